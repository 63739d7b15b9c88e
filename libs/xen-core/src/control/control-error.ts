/** Why a Dom0 control operation was refused; the node agent maps the codes to API errors. */
import { XenCoreError } from '../errors';

export type ControlErrorCode =
  /** A parameter is malformed or out of range (message says which). */
  | 'INVALID_ARGUMENT'
  /** No such domain (or it is already destroyed). */
  | 'NO_SUCH_DOMAIN'
  /** The operation does not apply in the domain's current state (e.g. unpause a shut-down domain). */
  | 'BAD_STATE'
  /** The host has too few free frames for the requested memory. */
  | 'OUT_OF_MEMORY'
  /** The image was refused by the domain builder (the BuildError code is in `underlyingCode`). */
  | 'BAD_IMAGE'
  /** A snapshot to restore is truncated, corrupted, of another format version or inconsistent. */
  | 'BAD_SNAPSHOT';

export class ControlError extends XenCoreError {
  declare readonly code: ControlErrorCode;
  constructor(
    code: ControlErrorCode,
    message: string,
    /** The underlying BuildError / XenCoreError code, when one caused this. */
    readonly underlyingCode?: string,
  ) {
    super(code, message);
  }
}
