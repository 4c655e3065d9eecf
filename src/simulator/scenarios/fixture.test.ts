import { describe, expect, it } from 'vitest';
import { FixtureError, parseFixture } from './fixture.js';

const gitrepo = `apiVersion: fleet.cattle.io/v1alpha1
kind: GitRepo
metadata:
  name: app
  namespace: fleet-default
  resourceVersion: "42"
  uid: 0b7c
  managedFields: [{manager: kubectl}]
spec:
  repo: https://example.com/app
  paths: [a, b]
`;

function problemsOf(text: string): string {
  try {
    parseFixture(text, 'f.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(FixtureError);
    return (e as Error).message;
  }
  throw new Error('expected a FixtureError');
}

describe('parseFixture', () => {
  it('reads multi-document YAML and strips server-owned metadata', () => {
    const objs = parseFixture(
      `${gitrepo}---\napiVersion: fleet.cattle.io/v1alpha1\nkind: Cluster\nmetadata: {name: c1, namespace: fleet-default, labels: {env: prod}}\nspec: {}\n---\n`,
    );
    expect(objs.map((o) => o.type.kind)).toEqual(['GitRepo', 'Cluster']);
    expect(objs[0]!.object.metadata).toEqual({ name: 'app', namespace: 'fleet-default' });
  });

  it('reads a kind: List as kubectl prints it', () => {
    const list = `apiVersion: v1\nkind: List\nmetadata: {resourceVersion: ""}\nitems:\n- apiVersion: fleet.cattle.io/v1alpha1\n  kind: ClusterGroup\n  metadata: {name: g, namespace: fleet-default}\n  spec: {selector: {}}\n`;
    expect(parseFixture(list).map((o) => o.object.metadata.name)).toEqual(['g']);
  });

  it('names the document of unparseable YAML', () => {
    expect(problemsOf(`${gitrepo}---\nkind: [unclosed\n`)).toMatch(/document 2: unparseable YAML/);
  });

  it('names the document and kind of an unknown kind', () => {
    expect(
      problemsOf(`${gitrepo}---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\n`),
    ).toMatch(/document 2 \(Pod x\/p\): unknown kind Pod/);
  });

  it('reports invalid objects, all of them, and list items by position', () => {
    const msg = problemsOf(
      `apiVersion: v1\nkind: List\nitems:\n- apiVersion: fleet.cattle.io/v1alpha1\n  kind: GitRepo\n  metadata: {name: Bad_Name, namespace: fleet-default}\n  spec: {}\n---\napiVersion: fleet.cattle.io/v1alpha1\nkind: Cluster\nmetadata: {name: c}\n`,
    );
    expect(msg).toMatch(
      /document 1 item 1 \(GitRepo fleet-default\/Bad_Name\): metadata.name "Bad_Name" is not a valid name/,
    );
    expect(msg).toMatch(/document 1 item 1 .*spec.repo is required/);
    expect(msg).toMatch(/document 2 \(Cluster c\): metadata.namespace is required/);
    expect(msg).toMatch(/nothing was loaded/);
  });

  it('rejects duplicates', () => {
    expect(problemsOf(`${gitrepo}---\n${gitrepo}`)).toMatch(/document 2 .*duplicate of document 1/);
  });
});
