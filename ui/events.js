// The names of the events the desktop shell emits to the UI, defined once. A Rust test parses this
// file and compares it with the shell's constants: keep one pair per line, in this format.
export const EVENTS = Object.freeze({
  data: 'wd:data',
  alerts: 'wd:alerts',
  health: 'wd:health',
  navigate: 'wd:navigate',
  hidden: 'wd:hidden',
  wall: 'wd:wall',
});
