/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): the functions with the most self time,
 * and self time by package or source directory. For before/after notes on a hot path.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/http.ts
 *   node --import tsx bench/cpu-top.ts /tmp/prof/CPU.*.cpuprofile [top=25]
 */
import { readFileSync, statSync } from 'node:fs';

type Node = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
};
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

const args = process.argv.slice(2);
const topText = args.find((a) => /^\d+$/.test(a));
// the largest profile given: tsx's loader thread writes a small one of its own beside the main one
const file = args
  .filter((a) => a.endsWith('.cpuprofile'))
  .sort((a, b) => statSync(b).size - statSync(a).size)[0];
if (!file) {
  console.error('usage: bench/cpu-top.ts <file.cpuprofile>… [top]');
  process.exit(2);
}
const top = Number(topText ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const totalUs = profile.endTime - profile.startTime;

/** Where a frame's code lives: a package, a source directory, node's own, or V8. */
function placeOf(url: string): string {
  if (url === '') return '(native/V8)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return url;
  const src = /\/(src|bench)\/(.*)\/[^/]+$/.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  return url.replace(/^file:\/\//, '');
}

const byFunction = new Map<string, number>();
const byPlace = new Map<string, number>();
for (const [id, us] of selfUs) {
  const frame = byId.get(id)!.callFrame;
  const short = frame.url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/');
  const key = `${frame.functionName || '(anonymous)'} ${short}${short ? `:${frame.lineNumber + 1}` : ''}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  const place = placeOf(frame.url);
  byPlace.set(place, (byPlace.get(place) ?? 0) + us);
}

const pct = (us: number) => `${((us / totalUs) * 100).toFixed(1).padStart(5)}%`;
const print = (title: string, entries: Map<string, number>, n: number) => {
  console.log(`\n${title}`);
  for (const [key, us] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, n))
    console.log(`${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`);
};
console.log(`${file}: ${(totalUs / 1e6).toFixed(1)} s profiled, ${profile.samples.length} samples`);
print('self time by function', byFunction, top);
print('self time by package / directory', byPlace, top);
