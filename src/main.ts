#!/usr/bin/env node
/**
 * The composition root: reads the settings, picks the backend, starts, and stops cleanly on
 * SIGINT/SIGTERM. The only module in src/ that imports both the gateway and the simulator.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { commandOf, loadConfig, usage, type Config } from './config.js';
import type { Simulation } from './simulator/index.js';
import { isFleetGraphError } from './shared/errors.js';
import { createLogger, type Logger } from './shared/logger.js';

interface Running {
  stop(): Promise<void>;
}

async function simulate(config: Config, log: Logger): Promise<Simulation> {
  const { startSimulation } = await import('./simulator/index.js');
  const sim = await startSimulation({ ...config, logger: log });
  if (config.kubeconfigOut) await sim.writeKubeconfig(config.kubeconfigOut);
  // The written kubeconfig speaks https (kubectl sends no token over plain http; ADR 0006) on the
  // same port as the http URL the gateway uses: say both, so a client's TLS settings can be checked.
  const kubeconfigServer = sim.apiServer.httpsUrl;
  log.info(
    { url: sim.url, kubeconfigServer, kubeconfig: config.kubeconfigOut },
    'Kubernetes API emulator listening',
  );
  process.stdout.write(
    `Kubernetes API emulator listening on ${sim.url}\n` +
      (config.kubeconfigOut
        ? `kubeconfig written to ${config.kubeconfigOut} (server ${kubeconfigServer}, https with its own CA)\n`
        : ''),
  );
  return sim;
}

async function serve(config: Config, log: Logger): Promise<Running> {
  const { startGateway } = await import('./gateway/gateway.js');
  const stops: (() => Promise<void>)[] = [];
  let kubeConfig: KubeConfig | undefined;
  if (config.backend === 'simulator') {
    const sim = await simulate(
      { ...config, port: config.apiPort, host: config.apiHost },
      log.child({ component: 'simulator' }),
    );
    stops.push(() => sim.stop());
    kubeConfig = sim.kubeConfig;
  }
  let gateway;
  try {
    gateway = await startGateway({ config, kubeConfig, logger: log });
  } catch (e) {
    for (const stop of stops) await stop().catch(() => undefined);
    throw e;
  }
  const running = gateway;
  stops.unshift(() => running.stop());
  process.stdout.write(
    `fleet-graph GraphQL API${config.graphiql ? ' and GraphiQL' : ''} at ${running.url}\n` +
      (running.metricsUrl ? `metrics at ${running.metricsUrl}\n` : ''),
  );
  return {
    async stop() {
      for (const stop of stops) await stop();
    },
  };
}

/** The first line of what went wrong, for the one line a failed start prints. */
function startFailure(e: unknown): string {
  const message = isFleetGraphError(e) || e instanceof Error ? e.message : String(e);
  return message.split('\n')[0] ?? message;
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(`${usage(commandOf(process.argv.slice(2)))}\n`);
    return;
  }
  let config: Config;
  try {
    config = loadConfig(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const log = createLogger({ level: config.logLevel, format: config.logFormat });
  let running: Running;
  try {
    running = config.command === 'simulate' ? await simulate(config, log) : await serve(config, log);
  } catch (e) {
    // One clear line, then exit: a process that cannot serve must not linger (its watches and
    // timers would otherwise keep it alive). Details stay in the debug log.
    log.debug({ err: e }, 'failed to start');
    process.stderr.write(`fleet-graph: cannot start: ${startFailure(e)}\n`);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      process.exit(130);
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    const hard = setTimeout(() => process.exit(1), 10_000);
    hard.unref();
    running.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error({ err: e }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

await main();
