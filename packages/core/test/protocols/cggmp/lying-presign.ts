/** A presigning signer that announces altered round-3 values and does everything else honestly. */
import { PresignProtocol, type PresignConfig, type Round3Values } from '../../../src/protocols/cggmp/presign.js';

export class LyingPresign extends PresignProtocol {
  constructor(
    cfg: PresignConfig,
    private readonly lie: (v: Round3Values) => Round3Values,
  ) {
    super(cfg);
  }

  protected override announce(values: Round3Values): Round3Values {
    return this.lie(values);
  }
}
