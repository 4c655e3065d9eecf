/**
 * The types the mutations return: user errors, retarget plans, staged operations, payloads. Every
 * payload carries the object, what was (or would be) done, and `userErrors` with stable codes and
 * field paths, so automation can act on problems without parsing top-level errors.
 */
// Split by noun; importing this module registers them in this order (errors, retarget, payloads).
export * from './errors.js';
export * from './retarget.js';
export * from './payloads.js';
