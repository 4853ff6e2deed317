import { ed25519 } from '@noble/curves/ed25519.js';
import { jacobi } from './packages/core/dist/index.js';
const Point = ed25519.Point;
const Fp = Point.Fp;
const p = Fp.ORDER;
const A = 486662n;
const C = Fp.sqrt(Fp.neg(A + 2n));
const m = (a) => Fp.create(a);
const div = (a, b) => Fp.div(a, b);
const sq = (a) => jacobi(a, p) === 1;

/** Montgomery u of a half of (u, v) together with its alpha, or undefined if not in 2E. */
function alphaOf(u, v) {
  // v ≠ 0 here
  const w = Fp.sqrt(u);
  const r = div(v, w);
  let alpha = m(-2n * u + 2n * r);
  if (!sq(m(alpha * alpha - 4n))) alpha = m(-2n * u - 2n * r);
  return alpha;
}
function fast(P) {
  const { x, y } = P.toAffine();
  if (x === 0n) return y === 1n;
  const u = div(m(1n + y), m(1n - y));
  const v = div(m(C * u), x);
  if (!sq(u)) return false; // P ∉ 2E
  const alpha = alphaOf(u, v);
  const D = m(alpha * alpha - 4n);
  const t = Fp.sqrt(D);
  const s = div(m(-alpha + t), 2n);
  if (!sq(s)) return false; // P ∉ 4E
  const lambda = div(m(2n * (u + A + 2n * s) * (s - u) - (3n * s * s + 2n * A * s + 1n)), m(2n * v));
  const vs = m(lambda * (s - u) - v);
  const alphaQ = alphaOf(s, vs);
  return sq(m(2n - alphaQ)); // half of Q ∈ 2E ⟺ P ∈ 8E
}
const ref = (P) => P.isTorsionFree();
// torsion points
const T8 = ['0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85'].map((h) => Point.fromHex(h));
function randomPointBytes() { for(;;){ const b = crypto.getRandomValues(new Uint8Array(32)); try { Point.fromBytes(b); return b; } catch {} } }
console.log('torsion found', T8.length);
let bad = 0, n = 0;
for (const T of T8) { if (fast(T) !== ref(T)) { bad++; console.log('torsion mismatch', T.toHex(), fast(T), ref(T)); } n++; }
for (let i = 0; i < 100; i++) {
  const G = Point.BASE.multiply(BigInt(1 + Math.floor(Math.random()*1e9)) * 7919n + BigInt(i));
  for (const T of T8) {
    for (const Q of [G.add(T), G.add(T).negate()]) { n++; const f = fast(Q), r = ref(Q); if (f !== r) { bad++; if (bad < 5) console.log('mismatch', f, r); } }
  }
  const R = Point.fromBytes(randomPointBytes()); n++; if (fast(R) !== ref(R)) bad++;
}
console.log('checked', n, 'bad', bad);
const pts = Array.from({length: 50}, (_, i) => Point.BASE.multiply(BigInt(i + 12345)));
for (let r = 0; r < 2; r++) {
  let s = performance.now(); for (const q of pts) ref(q); const tr = (performance.now() - s) / 50;
  s = performance.now(); for (const q of pts) fast(q); const tf = (performance.now() - s) / 50;
  s = performance.now(); for (let i=0;i<500;i++) jacobi(pts[i%50].toAffine().x, p); const tj = (performance.now() - s) / 500;
  console.log('ref', tr.toFixed(3), 'fast', tf.toFixed(3), 'jacobi+affine', tj.toFixed(4));
}
