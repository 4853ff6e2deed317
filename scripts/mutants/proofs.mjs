// Verifier-side and decoder checks of the Paillier proofs (packages/core/src/proofs), one mutant
// per check: the check removed, or its bound loosened by one. Run with scripts/hand-mutants.mjs.
const SRC = 'packages/core/src/proofs/';
const T = (...files) => files.map((f) => `packages/core/test/${f}.test.ts`);
const ENC_T = T('proofs/integer-proofs', 'proofs/paillier-encryption-range');
const LOG_T = T('proofs/integer-proofs', 'proofs/log-star');
const AFF_T = T('proofs/integer-proofs', 'proofs/affine-group');
const MULSTAR = T('proofs/multiplication-star');
const DEC = T('proofs/paillier-decryption');
const MUL = T('proofs/paillier-multiplication');
const MOD = T('proofs/paillier-blum-modulus');
const PRM = T('proofs/ring-pedersen-params');
const FAC = T('proofs/no-small-factor');
const CTX = T('proofs/paillier-context');
const ALL = T(
  'proofs/integer-challenge', 'proofs/integer-proofs', 'proofs/paillier-encryption-range', 'proofs/log-star', 'proofs/affine-group', 'proofs/multiplication-star', 'proofs/paillier-decryption', 'proofs/paillier-multiplication',
  'proofs/paillier-blum-modulus', 'proofs/ring-pedersen-params', 'proofs/no-small-factor', 'proofs/paillier-context',
);

const m = (id, file, find, replace, tests) => ({ id, file: SRC + file, find, replace, tests });

const ENC = 'paillier-encryption-range.ts';
const LOG = 'log-star.ts';
const AFF = 'affine-group.ts';
const MST = 'multiplication-star.ts';
const PDEC = 'paillier-decryption.ts';
const PMUL = 'paillier-multiplication.ts';
const PMOD = 'paillier-blum-modulus.ts';
const PPRM = 'ring-pedersen-params.ts';
const PFAC = 'no-small-factor.ts';
const IC = 'integer-challenge.ts';
const PC = 'paillier-context.ts';

const encUnits = 'if (!isUnit(st.ciphertext, N02) || !isUnit(p.A, N02) || !isUnit(p.z2, N0)) return false;\n  if (!isUnit(p.S, rp.n) || !isUnit(p.C, rp.n)) return false;';
const logUnits = 'if (!isUnit(st.ciphertext, N02) || !isUnit(p.A, N02) || !isUnit(p.z2, N0)) return false;\n  if (!isUnit(p.S, rp.n) || !isUnit(p.D, rp.n)) return false;';
const affUnits0 = 'if (![st.C, st.D, p.A].every((x) => isUnit(x, N02)) || !isUnit(p.w, N0)) return false;';
const affUnits1 = 'if (![st.Y, p.By].every((x) => isUnit(x, N12)) || !isUnit(p.wY, N1)) return false;';
const affUnitsHat = 'if (![p.E, p.S, p.F, p.T].every((x) => isUnit(x, rp.n))) return false;';
const mstUnits0 = 'if (![st.C, st.D, p.A].every((x) => isUnit(x, N02)) || !isUnit(p.w, N0)) return false;';
const decUnits = 'if (!isUnit(st.ciphertext, N02) || !isUnit(p.A, N02) || !isUnit(p.w, N0)) return false;';
const mulUnits = 'if (![st.X, st.Y, st.C, p.A, p.B].every((c) => isUnit(c, n2)) || !isUnit(p.u, n) || !isUnit(p.v, n)) return false;';

export const mutants = [
  // ---- integer-challenge.ts (shared by Π^enc, Π^log*, Π^aff-g, Π^mul*, Π^dec, Π^mul)
  m('ic.isUnit.typeof', IC, "typeof x === 'bigint' && x > 0n", 'x > 0n', ALL),
  m('ic.isUnit.positive', IC, '&& x > 0n &&', '&&', ALL),
  m('ic.isUnit.below', IC, '&& x < n &&', '&&', ALL),
  m('ic.isUnit.gcd', IC, '&& gcd(x, n) === 1n', '', ALL),
  m('ic.challenge.sign', IC, '2n * q + 1n) - q', '2n * q + 1n)', ALL),
  m('ic.challenge.width', IC, '2n * q + 1n) - q', 'q + 1n) - q', ALL),
  m('ic.responseBytes.slack', IC, 'level.ellPrime + 16) / 8', 'level.ellPrime + 24) / 8', ALL),
  m('ic.mulSigned.zero', IC, 'r === 0n ? curve.identity : P.multiply(r)', 'P.multiply(r)', ALL),

  // ---- Π^enc
  m('enc.unit.K', ENC, encUnits, encUnits.replace('!isUnit(st.ciphertext, N02) || ', ''), ENC_T),
  m('enc.unit.A', ENC, encUnits, encUnits.replace(' || !isUnit(p.A, N02)', ''), ENC_T),
  m('enc.unit.z2', ENC, encUnits, encUnits.replace(' || !isUnit(p.z2, N0)', ''), ENC_T),
  m('enc.unit.S', ENC, encUnits, encUnits.replace('!isUnit(p.S, rp.n) || ', ''), ENC_T),
  m('enc.unit.C', ENC, encUnits, encUnits.replace(' || !isUnit(p.C, rp.n)', ''), ENC_T),
  m('enc.range.z1', ENC, 'if (!inSymmetricRange(p.z1, pow2(level.ell + level.epsilon))) return false;', '', ENC_T),
  m('enc.range.z1+1', ENC, 'inSymmetricRange(p.z1, pow2(level.ell + level.epsilon))', 'inSymmetricRange(p.z1, pow2(level.ell + level.epsilon) + 1n)', ENC_T),
  m('enc.eq.paillier', ENC, 'if (lhs1 !== rhs1) return false;', '', ENC_T),
  m('enc.eq.rp', ENC, 'return ringPedersenCommit(rp, p.z1, p.z3) === (p.C * modPow(p.S, e, rp.n)) % rp.n;', 'return true;', ENC_T),
  m('enc.decode.z1', ENC, 'const z1 = readSigned(r, responseBytes(level, level.ell + level.epsilon));', 'const z1 = readSigned(r, responseBytes(level, level.ell + level.epsilon) + 1);', ENC_T),
  m('enc.decode.z3', ENC, 'const z3 = readSigned(r, responseBytes(level, level.ell + level.epsilon) + byteLengthOf(rp.n));', 'const z3 = readSigned(r, responseBytes(level, level.ell + level.epsilon) + byteLengthOf(rp.n) + 1);', ENC_T),
  m('enc.decode.end', ENC, 'r.end();\n  return { S, A, C, z1, z2, z3 };', 'return { S, A, C, z1, z2, z3 };', ENC_T),

  // ---- Π^log*
  m('log.rangeBits.integer', LOG, '!Number.isInteger(bits) || bits < level.ell', 'bits < level.ell', LOG_T),
  m('log.rangeBits.min', LOG, 'bits < level.ell || ', '', LOG_T),
  m('log.rangeBits.fit', LOG, ' || bits + level.epsilon + level.challengeBits + 2 >= bitLength(st.paillier.n) - 1', '', LOG_T),
  m('log.rangeBits.fit+1', LOG, 'level.challengeBits + 2 >= bitLength(st.paillier.n) - 1', 'level.challengeBits + 2 > bitLength(st.paillier.n) - 1', LOG_T),
  m('log.verify.catch', LOG, '} catch {\n    return false;\n  }', '} catch {\n    bits = level.ell;\n  }', LOG_T),
  m('log.unit.C', LOG, logUnits, logUnits.replace('!isUnit(st.ciphertext, N02) || ', ''), LOG_T),
  m('log.unit.A', LOG, logUnits, logUnits.replace(' || !isUnit(p.A, N02)', ''), LOG_T),
  m('log.unit.z2', LOG, logUnits, logUnits.replace(' || !isUnit(p.z2, N0)', ''), LOG_T),
  m('log.unit.S', LOG, logUnits, logUnits.replace('!isUnit(p.S, rp.n) || ', ''), LOG_T),
  m('log.unit.D', LOG, logUnits, logUnits.replace(' || !isUnit(p.D, rp.n)', ''), LOG_T),
  m('log.id.Y', LOG, 'p.Y.is0() || st.X.is0() || st.base.is0()', 'st.X.is0() || st.base.is0()', LOG_T),
  m('log.id.X', LOG, 'p.Y.is0() || st.X.is0() || st.base.is0()', 'p.Y.is0() || st.base.is0()', LOG_T),
  m('log.id.B', LOG, 'p.Y.is0() || st.X.is0() || st.base.is0()', 'p.Y.is0() || st.X.is0()', LOG_T),
  m('log.range.z1', LOG, 'if (!inSymmetricRange(p.z1, pow2(bits + level.epsilon))) return false;', '', LOG_T),
  m('log.range.z1+1', LOG, 'inSymmetricRange(p.z1, pow2(bits + level.epsilon))', 'inSymmetricRange(p.z1, pow2(bits + level.epsilon) + 1n)', LOG_T),
  m('log.eq.paillier', LOG, 'if (encrypt(st.paillier, p.z1, p.z2) !== (p.A * modPow(st.ciphertext, e, N02)) % N02) return false;', '', LOG_T),
  m('log.eq.group', LOG, 'if (!mulSigned(st.curve, st.base, p.z1).equals(p.Y.add(mulSigned(st.curve, st.X, e)))) return false;', '', LOG_T),
  m('log.eq.rp', LOG, 'return ringPedersenCommit(rp, p.z1, p.z3) === (p.D * modPow(p.S, e, rp.n)) % rp.n;', 'return true;', LOG_T),
  m('log.decode.z1', LOG, 'const z1 = readSigned(r, responseBytes(level, bits + level.epsilon));', 'const z1 = readSigned(r, responseBytes(level, bits + level.epsilon) + 1);', LOG_T),
  m('log.decode.z3', LOG, 'const z3 = readSigned(r, responseBytes(level, bits + level.epsilon) + byteLengthOf(rp.n));', 'const z3 = readSigned(r, responseBytes(level, bits + level.epsilon) + byteLengthOf(rp.n) + 1);', LOG_T),
  m('log.decode.end', LOG, 'r.end();\n  return { S, A, Y, D, z1, z2, z3 };', 'return { S, A, Y, D, z1, z2, z3 };', LOG_T),
  m('log.decode.rangeBits', LOG, 'const bits = rangeBitsOf(level, st);\n  const r = new Reader(bytes);', 'const bits = st.rangeBits ?? level.ell;\n  const r = new Reader(bytes);', LOG_T),

  // ---- Π^aff-g
  m('aff.unit.C', AFF, affUnits0, affUnits0.replace('[st.C, st.D, p.A]', '[st.D, p.A]'), AFF_T),
  m('aff.unit.D', AFF, affUnits0, affUnits0.replace('[st.C, st.D, p.A]', '[st.C, p.A]'), AFF_T),
  m('aff.unit.A', AFF, affUnits0, affUnits0.replace('[st.C, st.D, p.A]', '[st.C, st.D]'), AFF_T),
  m('aff.unit.w', AFF, affUnits0, affUnits0.replace(' || !isUnit(p.w, N0)', ''), AFF_T),
  m('aff.unit.Y', AFF, affUnits1, affUnits1.replace('[st.Y, p.By]', '[p.By]'), AFF_T),
  m('aff.unit.By', AFF, affUnits1, affUnits1.replace('[st.Y, p.By]', '[st.Y]'), AFF_T),
  m('aff.unit.wY', AFF, affUnits1, affUnits1.replace(' || !isUnit(p.wY, N1)', ''), AFF_T),
  m('aff.unit.E', AFF, affUnitsHat, affUnitsHat.replace('p.E, ', ''), AFF_T),
  m('aff.unit.S', AFF, affUnitsHat, affUnitsHat.replace('p.S, ', ''), AFF_T),
  m('aff.unit.F', AFF, affUnitsHat, affUnitsHat.replace('p.F, ', ''), AFF_T),
  m('aff.unit.T', AFF, affUnitsHat, affUnitsHat.replace(', p.T', ''), AFF_T),
  m('aff.id.X', AFF, 'if (st.X.is0() || p.Bx.is0()) return false;', 'if (p.Bx.is0()) return false;', AFF_T),
  m('aff.id.Bx', AFF, 'if (st.X.is0() || p.Bx.is0()) return false;', 'if (st.X.is0()) return false;', AFF_T),
  m('aff.range.z1', AFF, '!inSymmetricRange(p.z1, pow2(level.ell + level.epsilon)) || ', '', AFF_T),
  m('aff.range.z2', AFF, ' || !inSymmetricRange(p.z2, pow2(level.ellPrime + level.epsilon))', '', AFF_T),
  m('aff.range.z1+1', AFF, 'inSymmetricRange(p.z1, pow2(level.ell + level.epsilon))', 'inSymmetricRange(p.z1, pow2(level.ell + level.epsilon) + 1n)', AFF_T),
  m('aff.range.z2+1', AFF, 'inSymmetricRange(p.z2, pow2(level.ellPrime + level.epsilon))', 'inSymmetricRange(p.z2, pow2(level.ellPrime + level.epsilon) + 1n)', AFF_T),
  m('aff.eq.paillier0', AFF, 'if (affine(st.verifierKey, st.C, p.z1, p.z2, p.w) !== (p.A * modPow(st.D, e, N02)) % N02) return false;', '', AFF_T),
  m('aff.eq.group', AFF, 'if (!mulSigned(st.curve, st.curve.base, p.z1).equals(p.Bx.add(mulSigned(st.curve, st.X, e)))) return false;', '', AFF_T),
  m('aff.eq.paillier1', AFF, 'if (encrypt(st.proverKey, p.z2, p.wY) !== (p.By * modPow(st.Y, e, N12)) % N12) return false;', '', AFF_T),
  m('aff.eq.rp1', AFF, 'if (ringPedersenCommit(rp, p.z1, p.z3) !== (p.E * modPow(p.S, e, rp.n)) % rp.n) return false;', '', AFF_T),
  m('aff.eq.rp2', AFF, 'return ringPedersenCommit(rp, p.z2, p.z4) === (p.F * modPow(p.T, e, rp.n)) % rp.n;', 'return true;', AFF_T),
  m('aff.decode.small', AFF, 'const small = responseBytes(level, level.ellPrime + level.epsilon);', 'const small = responseBytes(level, level.ellPrime + level.epsilon) + 1;', AFF_T),
  m('aff.decode.z3', AFF, 'const z3 = readSigned(r, small + byteLengthOf(rp.n));', 'const z3 = readSigned(r, small + byteLengthOf(rp.n) + 1);', AFF_T),
  m('aff.decode.z4', AFF, 'const z4 = readSigned(r, small + byteLengthOf(rp.n));', 'const z4 = readSigned(r, small + byteLengthOf(rp.n) + 1);', AFF_T),
  m('aff.decode.end', AFF, 'r.end();\n  return { A, Bx,', 'return { A, Bx,', AFF_T),

  // ---- Π^mul*
  m('mst.unit.C', MST, mstUnits0, mstUnits0.replace('[st.C, st.D, p.A]', '[st.D, p.A]'), MULSTAR),
  m('mst.unit.D', MST, mstUnits0, mstUnits0.replace('[st.C, st.D, p.A]', '[st.C, p.A]'), MULSTAR),
  m('mst.unit.A', MST, mstUnits0, mstUnits0.replace('[st.C, st.D, p.A]', '[st.C, st.D]'), MULSTAR),
  m('mst.unit.w', MST, mstUnits0, mstUnits0.replace(' || !isUnit(p.w, N0)', ''), MULSTAR),
  m('mst.unit.E', MST, 'if (!isUnit(p.E, rp.n) || !isUnit(p.S, rp.n)) return false;', 'if (!isUnit(p.S, rp.n)) return false;', MULSTAR),
  m('mst.unit.S', MST, 'if (!isUnit(p.E, rp.n) || !isUnit(p.S, rp.n)) return false;', 'if (!isUnit(p.E, rp.n)) return false;', MULSTAR),
  m('mst.id.X', MST, 'if (st.X.is0() || p.Bx.is0()) return false;', 'if (p.Bx.is0()) return false;', MULSTAR),
  m('mst.id.Bx', MST, 'if (st.X.is0() || p.Bx.is0()) return false;', 'if (st.X.is0()) return false;', MULSTAR),
  m('mst.range.z1', MST, 'if (!inSymmetricRange(p.z1, pow2(level.ell + level.epsilon))) return false;', '', MULSTAR),
  m('mst.range.z1+1', MST, 'inSymmetricRange(p.z1, pow2(level.ell + level.epsilon))', 'inSymmetricRange(p.z1, pow2(level.ell + level.epsilon) + 1n)', MULSTAR),
  m('mst.eq.paillier', MST, 'if (scale(st.paillier, st.C, p.z1, p.w) !== (p.A * modPow(st.D, e, N02)) % N02) return false;', '', MULSTAR),
  m('mst.eq.group', MST, 'if (!mulSigned(st.curve, st.curve.base, p.z1).equals(p.Bx.add(mulSigned(st.curve, st.X, e)))) return false;', '', MULSTAR),
  m('mst.eq.rp', MST, 'return ringPedersenCommit(rp, p.z1, p.z2) === (p.E * modPow(p.S, e, rp.n)) % rp.n;', 'return true;', MULSTAR),
  m('mst.decode.z1', MST, 'const z1 = readSigned(r, responseBytes(level, level.ell + level.epsilon));', 'const z1 = readSigned(r, responseBytes(level, level.ell + level.epsilon) + 1);', MULSTAR),
  m('mst.decode.z2', MST, 'const z2 = readSigned(r, responseBytes(level, level.ell + level.epsilon) + byteLengthOf(rp.n));', 'const z2 = readSigned(r, responseBytes(level, level.ell + level.epsilon) + byteLengthOf(rp.n) + 1);', MULSTAR),
  m('mst.decode.end', MST, 'r.end();\n  return { A, Bx, E, S, z1, z2, w };', 'return { A, Bx, E, S, z1, z2, w };', MULSTAR),

  // ---- Π^dec
  m('dec.bound.safe', PDEC, 'Number.isSafeInteger(B) && B >= 0 && ', 'B >= 0 && ', DEC),
  m('dec.bound.nonneg', PDEC, 'Number.isSafeInteger(B) && B >= 0 && ', 'Number.isSafeInteger(B) && ', DEC),
  m('dec.bound.fit+1', PDEC, 'level.challengeBits + 2 < bitLength(st.paillier.n) - 1;', 'level.challengeBits + 2 <= bitLength(st.paillier.n) - 1;', DEC),
  m('dec.verify.boundFits', PDEC, 'if (!boundFits(level, st)) return false;', '', DEC),
  m('dec.unit.C', PDEC, decUnits, decUnits.replace('!isUnit(st.ciphertext, N02) || ', ''), DEC),
  m('dec.unit.A', PDEC, decUnits, decUnits.replace(' || !isUnit(p.A, N02)', ''), DEC),
  m('dec.unit.w', PDEC, decUnits, decUnits.replace(' || !isUnit(p.w, N0)', ''), DEC),
  m('dec.unit.S', PDEC, 'if (!isUnit(p.S, rp.n) || !isUnit(p.T, rp.n)) return false;', 'if (!isUnit(p.T, rp.n)) return false;', DEC),
  m('dec.unit.T', PDEC, 'if (!isUnit(p.S, rp.n) || !isUnit(p.T, rp.n)) return false;', 'if (!isUnit(p.S, rp.n)) return false;', DEC),
  m('dec.scalar.x', PDEC, 'if (!isScalar(st.curve, st.x) || !isScalar(st.curve, p.gamma)) return false;', 'if (!isScalar(st.curve, p.gamma)) return false;', DEC),
  m('dec.scalar.gamma', PDEC, 'if (!isScalar(st.curve, st.x) || !isScalar(st.curve, p.gamma)) return false;', 'if (!isScalar(st.curve, st.x)) return false;', DEC),
  m('dec.isScalar.typeof', PDEC, "typeof x === 'bigint' && x >= 0n", 'x >= 0n', DEC),
  m('dec.isScalar.nonneg', PDEC, 'x >= 0n && x < curve.order', 'x < curve.order', DEC),
  m('dec.isScalar.below', PDEC, 'x >= 0n && x < curve.order', 'x >= 0n', DEC),
  m('dec.range.z1', PDEC, 'if (!inSymmetricRange(p.z1, pow2(st.plaintextBits + level.epsilon))) return false;', '', DEC),
  m('dec.range.z1+1', PDEC, 'inSymmetricRange(p.z1, pow2(st.plaintextBits + level.epsilon))', 'inSymmetricRange(p.z1, pow2(st.plaintextBits + level.epsilon) + 1n)', DEC),
  m('dec.eq.paillier', PDEC, 'if (encrypt(st.paillier, p.z1, p.w) !== (p.A * modPow(st.ciphertext, e, N02)) % N02) return false;', '', DEC),
  m('dec.eq.modq', PDEC, 'if (mod(p.z1 - p.gamma - e * st.x, st.curve.order) !== 0n) return false;', '', DEC),
  m('dec.eq.rp', PDEC, 'return ringPedersenCommit(rp, p.z1, p.z2) === (p.T * modPow(p.S, e, rp.n)) % rp.n;', 'return true;', DEC),
  m('dec.decode.boundFits', PDEC, "if (!boundFits(level, st)) throw new RangeError('plaintext bound does not fit the Paillier modulus');\n  const r = new Reader(bytes);", 'const r = new Reader(bytes);', DEC),
  m('dec.decode.masked', PDEC, 'return Math.ceil((B + level.epsilon + level.challengeBits + 2) / 8);', 'return Math.ceil((B + level.epsilon + level.challengeBits + 2) / 8) + 1;', DEC),
  m('dec.decode.z2', PDEC, 'const z2 = readSigned(r, maskedBytes(level, st.plaintextBits) + byteLengthOf(rp.n));', 'const z2 = readSigned(r, maskedBytes(level, st.plaintextBits) + byteLengthOf(rp.n) + 1);', DEC),
  m('dec.decode.end', PDEC, 'r.end();\n  return { S, T, A, gamma, z1, z2, w };', 'return { S, T, A, gamma, z1, z2, w };', DEC),

  // ---- Π^mul
  ...['st.X', 'st.Y', 'st.C', 'p.A', 'p.B'].map((x) =>
    m(`mul.unit.${x.split(".")[1]}`, PMUL, mulUnits, mulUnits.replace('[st.X, st.Y, st.C, p.A, p.B]', '[st.X, st.Y, st.C, p.A, p.B]'.replace(new RegExp(`(, )?${x.replace('.', '\\.')}(, )?`), (_, a, b) => (a && b ? ', ' : ''))), MUL),
  ),
  m('mul.unit.u', PMUL, mulUnits, mulUnits.replace(' || !isUnit(p.u, n)', ''), MUL),
  m('mul.unit.v', PMUL, mulUnits, mulUnits.replace(' || !isUnit(p.v, n)', ''), MUL),
  m('mul.eq.Y', PMUL, 'if ((modPow(st.Y, p.z, n2) * modPow(p.u, n, n2)) % n2 !== (p.A * modPow(st.C, e, n2)) % n2) return false;', '', MUL),
  m('mul.eq.X', PMUL, 'return encrypt(st.paillier, p.z, p.v) === (p.B * modPow(st.X, e, n2)) % n2;', 'return true;', MUL),
  m('mul.decode.z', PMUL, '+ byteLengthOf(pk.n) + 1);', '+ byteLengthOf(pk.n) + 2);', MUL),
  m('mul.decode.end', PMUL, 'r.end();\n  return { A, B, z, u, v };', 'return { A, B, z, u, v };', MUL),

  // ---- Π^mod
  m('mod.plausible.typeof', PMOD, "typeof n !== 'bigint' || n <= 3n", 'n <= 3n', MOD),
  m('mod.plausible.small', PMOD, ' || n <= 3n || ', ' || ', MOD),
  m('mod.plausible.even', PMOD, ' || (n & 1n) === 0n) return false;\n  if (bitLength', ') return false;\n  if (bitLength', MOD),
  m('mod.plausible.size', PMOD, 'if (bitLength(n) < level.minPaillierBits) return false;', '', MOD),
  m('mod.plausible.square', PMOD, 'if (r * r === n) return false;', '', MOD),
  m('mod.plausible.prime', PMOD, 'return !isProbablePrime(n);', 'return true;', MOD),
  m('mod.verify.plausible', PMOD, 'if (!isPlausibleBlumModulus(n, level)) return false;', '', MOD),
  m('mod.w.typeof', PMOD, "typeof w !== 'bigint' || w <= 0n", 'w <= 0n', MOD),
  m('mod.w.positive', PMOD, ' || w <= 0n || w >= n', ' || w >= n', MOD),
  m('mod.w.below', PMOD, ' || w >= n || gcd(w, n)', ' || gcd(w, n)', MOD),
  m('mod.w.gcd', PMOD, ' || gcd(w, n) !== 1n || jacobi', ' || jacobi', MOD),
  m('mod.w.jacobi', PMOD, ' || jacobi(w, n) !== -1) return false;', ') return false;', MOD),
  m('mod.w.gcd+jacobi', PMOD, ' || gcd(w, n) !== 1n || jacobi(w, n) !== -1) return false;', ') return false;', MOD),
  m('mod.reps.isArray', PMOD, 'if (!Array.isArray(reps) || reps.length', 'if (reps.length', MOD),
  m('mod.reps.length', PMOD, ' || reps.length !== level.repetitions) return false;', ') return false;', MOD),
  m('mod.rep.bits', PMOD, 'if ((a !== 0 && a !== 1) || (b !== 0 && b !== 1)) return false;', '', MOD),
  m('mod.rep.a', PMOD, 'if ((a !== 0 && a !== 1) || (b !== 0 && b !== 1)) return false;', 'if (b !== 0 && b !== 1) return false;', MOD),
  m('mod.rep.b', PMOD, 'if ((a !== 0 && a !== 1) || (b !== 0 && b !== 1)) return false;', 'if (a !== 0 && a !== 1) return false;', MOD),
  m('mod.rep.typeof', PMOD, "typeof x !== 'bigint' || typeof z !== 'bigint' || ", '', MOD),
  m('mod.rep.x.positive', PMOD, ' || x <= 0n || x >= n', ' || x >= n', MOD),
  m('mod.rep.x.below', PMOD, ' || x >= n || z <= 0n', ' || z <= 0n', MOD),
  m('mod.rep.z.positive', PMOD, ' || z <= 0n || z >= n) return false;', ' || z >= n) return false;', MOD),
  m('mod.rep.z.below', PMOD, ' || z >= n) return false;', ') return false;', MOD),
  m('mod.eq.fourth', PMOD, 'if ((x2 * x2) % n !== expected) return false;', '', MOD),
  m('mod.eq.nth', PMOD, 'if ((modPow(z, n - 1n, n) * z) % n !== y) return false;', '', MOD),
  m('mod.eq.a', PMOD, 'if (a) expected = n - expected;', '', MOD),
  m('mod.eq.b', PMOD, 'let expected = b ? (w * y) % n : y;', 'let expected = y;', MOD),
  m('mod.verify.catch', PMOD, '  } catch {\n    return false;\n  }\n}\n\n/** u16 m', '  } finally {\n    /* no catch */\n  }\n}\n\n/** u16 m', MOD),
  m('mod.challenges.zero', PMOD, "if (y !== 0n && gcd(y, n) === 1n && !seen.has(y))", "if (gcd(y, n) === 1n && !seen.has(y))", MOD),
  m('mod.challenges.gcd', PMOD, "if (y !== 0n && gcd(y, n) === 1n && !seen.has(y))", "if (y !== 0n && !seen.has(y))", MOD),
  m('mod.challenges.distinct', PMOD, "if (y !== 0n && gcd(y, n) === 1n && !seen.has(y))", "if (y !== 0n && gcd(y, n) === 1n)", [...MOD, ...CTX]),
  m('mod.decode.modulus', PMOD, "if (n <= 1n) throw new DecodeError('bad modulus');", '', MOD),
  m('mod.decode.length', PMOD, "if (bytes.length !== expected) throw new DecodeError('bad Π^mod proof length');", '', MOD),
  m('mod.decode.count', PMOD, "if (r.u16() !== level.repetitions) throw new DecodeError('wrong number of repetitions');", 'r.u16();', MOD),
  m('mod.decode.bits', PMOD, "if ((a !== 0 && a !== 1) || (b !== 0 && b !== 1)) throw new DecodeError('challenge selector is not a bit');", '', MOD),
  m('mod.decode.end', PMOD, 'r.end();\n  return { w, reps };', 'return { w, reps };', MOD),

  // ---- Π^prm
  m('prm.wellFormed', PPRM, 'if (!isWellFormedRingPedersen(params, level)) return false;', '', PRM),
  m('prm.isArray', PPRM, 'if (!Array.isArray(commitments) || !Array.isArray(responses) || ', 'if (', PRM),
  m('prm.count.A', PPRM, 'commitments.length !== m || ', '', PRM),
  m('prm.count.z', PPRM, ' || responses.length !== m) return false;', ') return false;', PRM),
  m('prm.typeof', PPRM, "if (typeof a !== 'bigint' || typeof z !== 'bigint') return false;", '', PRM),
  m('prm.A.positive', PPRM, 'if (a <= 0n || a >= n', 'if (a >= n', PRM),
  m('prm.A.below', PPRM, ' || a >= n || gcd', ' || gcd', PRM),
  m('prm.A.gcd', PPRM, ' || gcd(a, n) !== 1n || ', ' || ', PRM),
  m('prm.z.nonneg', PPRM, ' || z < 0n || z >= n) return false;', ' || z >= n) return false;', PRM),
  m('prm.z.below', PPRM, ' || z >= n) return false;', ') return false;', PRM),
  m('prm.eq.bit', PPRM, 'const rhs = bits[i] ? (commitments[i]! * s) % n : commitments[i]!;', 'const rhs = (commitments[i]! * s) % n;', PRM),
  m('prm.eq', PPRM, 'if (modPow(t, responses[i]!, n) !== rhs) return false;', '', PRM),
  m('prm.verify.catch', PPRM, '  } catch {\n    return false;\n  }\n}\n\n/** u16 m', '  } finally {\n    /* no catch */\n  }\n}\n\n/** u16 m', PRM),
  m('prm.challenges.bit', PPRM, "(expandChallenge(seed, 'e', i, 1)[0]! & 1)", "(expandChallenge(seed, 'e', i, 1)[0]! & 0)", PRM),
  m('prm.decode.modulus', PPRM, "if (params.n <= 1n) throw new DecodeError('bad modulus');", '', PRM),
  m('prm.decode.length', PPRM, "if (bytes.length !== 2 + 2 * level.repetitions * byteLengthOf(params.n)) throw new DecodeError('bad Π^prm proof length');", '', PRM),
  m('prm.decode.count', PPRM, "if (r.u16() !== level.repetitions) throw new DecodeError('wrong number of repetitions');", 'r.u16();', PRM),
  m('prm.decode.end', PPRM, 'r.end();\n  return { commitments, responses };', 'return { commitments, responses };', PRM),

  // ---- Π^fac
  m('fac.wellFormed', PFAC, 'if (!isWellFormedRingPedersen(aux, level)) return false;', '', FAC),
  m('fac.n0.typeof', PFAC, "if (typeof n0 !== 'bigint' || n0 <= 1n", 'if (n0 <= 1n', FAC),
  m('fac.n0.small', PFAC, ' || n0 <= 1n || (n0 & 1n) === 0n) return false;', ' || (n0 & 1n) === 0n) return false;', FAC),
  m('fac.n0.even', PFAC, ' || (n0 & 1n) === 0n) return false;\n    const n0Bits', ') return false;\n    const n0Bits', FAC),
  m('fac.n0.size', PFAC, 'if (n0Bits < level.minPaillierBits || n0Bits < 4 * level.ell) return false;', 'if (n0Bits < 4 * level.ell) return false;', FAC),
  m('fac.n0.4ell', PFAC, 'if (n0Bits < level.minPaillierBits || n0Bits < 4 * level.ell) return false;', 'if (n0Bits < level.minPaillierBits) return false;', FAC),
  m('fac.commit.typeof', PFAC, "if (typeof u !== 'bigint' || u <= 0n || u >= aux.n", 'if (u <= 0n || u >= aux.n', FAC),
  m('fac.commit.positive', PFAC, ' || u <= 0n || u >= aux.n', ' || u >= aux.n', FAC),
  m('fac.commit.below', PFAC, ' || u >= aux.n || gcd', ' || gcd', FAC),
  m('fac.commit.gcd', PFAC, ' || gcd(u, aux.n) !== 1n) return false;', ') return false;', FAC),
  m('fac.resp.typeof', PFAC, "for (const u of [z1, z2, w1, w2, v]) if (typeof u !== 'bigint') return false;", '', FAC),
  m('fac.range.z1', PFAC, '!inSymmetricRange(z1, b.z) || ', '', FAC),
  m('fac.range.z2', PFAC, ' || !inSymmetricRange(z2, b.z)) return false;', ') return false;', FAC),
  m('fac.range.z1+1', PFAC, '!inSymmetricRange(z1, b.z) || ', '!inSymmetricRange(z1, b.z + 1n) || ', FAC),
  m('fac.range.z2+1', PFAC, ' || !inSymmetricRange(z2, b.z)) return false;', ' || !inSymmetricRange(z2, b.z + 1n)) return false;', FAC),
  m('fac.range.w1', PFAC, '!inSymmetricRange(w1, 2n * b.x) || ', '', FAC),
  m('fac.range.w2', PFAC, '!inSymmetricRange(w2, 2n * b.x) || ', '', FAC),
  m('fac.range.v', PFAC, ' || !inSymmetricRange(v, 2n * b.r)) return false;', ') return false;', FAC),
  m('fac.eq.P', PFAC, 'if (ringPedersenCommit(aux, z1, w1) !== (c.A * modPow(c.P, e, N)) % N) return false;', '', FAC),
  m('fac.eq.Q', PFAC, 'if (ringPedersenCommit(aux, z2, w2) !== (c.B * modPow(c.Q, e, N)) % N) return false;', '', FAC),
  m('fac.eq.T', PFAC, 'return lhs === (c.T * modPow(R, e, N)) % N;', 'return true;', FAC),
  m('fac.verify.catch', PFAC, '  } catch {\n    return false;\n  }\n}\n\n/** P ‖ Q', '  } finally {\n    /* no catch */\n  }\n}\n\n/** P ‖ Q', FAC),
  m('fac.bounds.z', PFAC, 'z: le * isqrt(n0),', 'z: 2n * le * isqrt(n0),', FAC),
  m('fac.decode.modulus', PFAC, "if (n0 <= 1n || aux.n <= 1n) throw new DecodeError('bad modulus');", '', FAC),
  m('fac.decode.z1', PFAC, 'const z1 = readSigned(r, byteLengthOf(b.z));', 'const z1 = readSigned(r, byteLengthOf(b.z) + 1);', FAC),
  m('fac.decode.w1', PFAC, 'const w1 = readSigned(r, byteLengthOf(2n * b.x));', 'const w1 = readSigned(r, byteLengthOf(2n * b.x) + 1);', FAC),
  m('fac.decode.v', PFAC, 'const v = readSigned(r, byteLengthOf(2n * b.r));', 'const v = readSigned(r, byteLengthOf(2n * b.r) + 1);', FAC),
  m('fac.decode.end', PFAC, 'r.end();\n  return { commitment: { P, Q, A, B, T }', 'return { commitment: { P, Q, A, B, T }', FAC),

  // ---- paillier-context.ts (the context every proof is bound to)
  m('ctx.session.type', PC, '!(ctx.sessionId instanceof Uint8Array) || ctx.sessionId.length === 0', 'ctx.sessionId.length === 0', CTX),
  m('ctx.session.empty', PC, ' || ctx.sessionId.length === 0 || ', ' || ', CTX),
  m('ctx.session.long', PC, ' || ctx.sessionId.length > 64) {', ') {', CTX),
  m('ctx.prover.integer', PC, '!Number.isInteger(ctx.prover) || ', '', CTX),
  m('ctx.prover.min', PC, ' || ctx.prover < 1 || ', ' || ', CTX),
  m('ctx.prover.max', PC, ' || ctx.prover > 0xffff) throw', ') throw', CTX),
  m('ctx.key.type', PC, "if (!(ctx.keyId instanceof Uint8Array) || ctx.keyId.length > 64) throw new RangeError('bad key id');", "if (ctx.keyId.length > 64) throw new RangeError('bad key id');", CTX),
  m('ctx.key.long', PC, " || ctx.keyId.length > 64) throw new RangeError('bad key id');", ") throw new RangeError('bad key id');", CTX),
  m('ctx.setup.type', PC, "(!(ctx.setup instanceof Uint8Array) || ctx.setup.length > 64)", '(ctx.setup.length > 64)', CTX),
  m('ctx.setup.long', PC, " || ctx.setup.length > 64)) throw", ")) throw", CTX),
  m('ctx.assert', PC, 'assertProofContext(ctx);\n  const t', 'const t', CTX),
  m('ctx.transcript.setup', PC, "ctx.setup === undefined ? t : t.appendBytes('setup', ctx.setup)", 't', CTX),
  m('ctx.challengeBelow.bias', PC, '(bitLength(modulus) + 128) / 8', 'bitLength(modulus) / 8', CTX),
];
