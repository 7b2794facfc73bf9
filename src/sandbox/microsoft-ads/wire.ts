/**
 * Microsoft Advertising's REST wire format (reference §2, §5): the two fault bodies (AdApiFaultDetail for
 * authentication/throttling, ApiFaultDetail for operation errors), BatchError for per-item PartialErrors,
 * the TrackingId header on every answer, and the switches for what the sources leave open or disagree on:
 * int64 ids as bare JSON numbers instead of strings, error Codes as strings instead of numbers, audience
 * sizes as numbers instead of strings, and faults wrapped in `{"ApplicationFault": …}`.
 * Every text of an error (TrackingId in body and header included) passes through hostile.ts; Code and
 * Index stay numbers.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { hostileHeader, hostileText } from '../hostile';
import type { MsFaultEnvelope } from '../options';
import { text } from '../reply';
import type { FaultReplies, Reply } from '../router';

/** One entry of the operation error catalogue (reference §5; docs `operation-error-codes.md`). */
export interface MsError {
  readonly code: number;
  readonly errorCode: string;
  readonly message: string;
}

const e = (code: number, errorCode: string, message: string): MsError => ({ code, errorCode, message });

/** Codes and symbolic names from the docs' catalogue; messages are its descriptions. */
export const MS_ERROR = {
  internal: e(0, 'InternalError', 'An internal error has occurred.'),
  nullRequest: e(100, 'NullRequest', 'The request message is null.'),
  invalidCredentials: e(105, 'InvalidCredentials', 'Authentication failed. Either supplied credentials are invalid or the account is inactive.'),
  userNotAuthorized: e(106, 'UserIsNotAuthorized', 'The user is not authorized to access the specified customer or account.'),
  tokenExpired: e(109, 'AuthenticationTokenExpired', 'Authentication token expired. Please renew it or obtain a new token.'),
  callRateExceeded: e(
    117,
    'CallRateExceeded',
    'You have exceeded the number of calls that you are allowed to make in a given time period. Please resubmit the request after waiting for 60 seconds.',
  ),
  customerIdRequired: e(1029, 'CampaignServiceCustomerIdHasToBeSpecified', 'The CustomerId element must be specified for this operation.'),
  accountIdRequired: e(1030, 'CampaignServiceAccountIdHasToBeSpecified', 'The CustomerAccountId element must be specified for this operation.'),
  invalidAudienceId: e(4835, 'InvalidAudienceId', 'The audience ID is invalid.'),
  duplicateAudienceId: e(4837, 'DuplicateAudienceId', 'Duplicate audience IDs are not allowed.'),
  invalidAudienceName: e(4838, 'InvalidAudienceName', 'The audience name is invalid.'),
  invalidAudienceDescription: e(4841, 'InvalidAudienceDescription', 'Audience description is invalid.'),
  invalidMembershipDuration: e(4842, 'InvalidAudienceMembershipDuration', 'Audience membership duration is invalid.'),
  parentIdDoesNotMatchScope: e(4843, 'AudienceParentIdDoesNotMatchScope', 'Audience parent id does not match the scope.'),
  audiencesNullOrEmpty: e(4844, 'AudiencesArrayShouldNotBeNullOrEmpty', 'Audiences are required.'),
  audienceIsNull: e(4845, 'AudienceIsNull', 'Audience cannot be null.'),
  audienceIdIsNull: e(4846, 'AudienceIdIsNull', 'Audience id cannot be null.'),
  audienceIdIsNotNull: e(4847, 'AudienceIdIsNotNull', 'Audience id must be null.'),
  invalidScope: e(4849, 'InvalidAudienceScope', 'Audience scope is invalid or not specified.'),
  audiencesExceedsLimit: e(4850, 'AudiencesArrayExceedsLimit', 'Audiences array exceeds the limit size.'),
  audienceIdsNullOrEmpty: e(4851, 'AudienceIdsArrayShouldNotBeNullOrEmpty', 'Audience ids array should not be null or empty.'),
  audienceIdsExceedsLimit: e(4852, 'AudienceIdsArrayExceedsLimit', 'Audience ids array exceeds the limit size.'),
  duplicateAudienceName: e(4853, 'DuplicateAudienceName', 'Audience name is duplicate.'),
  cannotChangeScope: e(4855, 'AudienceCanNotChangeScopeOnUpdate', 'Audience scope cannot be changed on update.'),
  invalidAudienceType: e(4859, 'InvalidAudienceType', 'Audience Type is invalid.'),
  audienceTypeMismatch: e(4861, 'AudienceIdDoNotMatchAudienceType', 'Audience Id do not match audience type.'),
  /**
   * ASSUMPTION (reference §10 Q2): the code for more than 1,000 CustomerListItems is undocumented. The
   * catalogue's generic "maximum number of items per request would be exceeded" entry is used.
   */
  batchLimitExceeded: e(6999, 'CampaignServiceBatchLimitExceeded', 'The maximum number of items per request would be exceeded.'),
  invalidCustomerListId: e(8000, 'InvalidCustomerListId', 'Invalid CustomerList Id'),
  invalidActionType: e(8001, 'InvalidCustomerListActionType', 'The Customer List Action Type can only be Add, Replace, or Delete.'),
  subTypeNotSupported: e(8002, 'CustomerListItemSubTypeNotSupported', 'The Customer List Item sub type is not supported.'),
  termsNotAccepted: e(
    8003,
    'CustomerListTermsAndConditionsNotAccepted',
    "The Customer Match 'Terms And Conditions' are not yet Accepted in the Microsoft Advertising web UI. Please visit https://go.microsoft.com/fwlink/?linkid=2126222 for details.",
  ),
  /** The code an earlier docs revision gave for AcceptCustomerMatchTerm=false (reference §5); played by setTermsErrorCode(3913). */
  termsNotAcceptedLegacy: e(3913, 'TermsAndConditionsNotAccepted', 'The Terms and Conditions have not been accepted.'),
  emailMustBeHashed: e(8004, 'EmailMustBeHashed', "Email address can't be in plain text and must be hashed."),
  emailOrCrmRequired: e(8006, 'EitherEmailOrCRMIDShouldBeProvided', 'Either email address or CRM Id should be provided.'),
} as const;

export interface WireSwitches {
  /** Write AudienceIds / Id / ParentId as bare JSON numbers (digits kept exactly: the JSON is built as text). */
  idsAsNumbers: boolean;
  /** Write every error `Code` as a string ("117"), as some clients see it (reference §7). */
  codesAsStrings: boolean;
  /** Write SearchSize / AudienceNetworkSize as JSON numbers instead of the documented strings. */
  sizesAsNumbers: boolean;
  /** 'wrapped': every fault body becomes `{"ApplicationFault": <the bare body>}`. */
  faultEnvelope: MsFaultEnvelope;
}

export type JsonId = string | null | { readonly __id: string };

export class MsWire {
  /** A per-process marker that no caller can guess, replaced by the bare digits after JSON.stringify. */
  private readonly marker = `__msads_id_${randomBytes(8).toString('hex')}__`;
  private readonly markerPattern = new RegExp(`"${this.marker}(\\d+)"`, 'g');

  constructor(private readonly switches: WireSwitches) {}

  /** An int64 id as it goes on the wire: a JSON string by default (the real format), a number when switched. */
  id(value: string | null): unknown {
    if (value === null) return null;
    return this.switches.idsAsNumbers && /^\d+$/.test(value) ? `${this.marker}${value}` : value;
  }

  code(code: number): number | string {
    return this.switches.codesAsStrings ? String(code) : code;
  }

  /** An audience size (a long): a decimal string by default, a JSON number when switched; null stays null. */
  size(value: number | null): string | number | null {
    if (value === null) return null;
    return this.switches.sizesAsNumbers ? value : String(value);
  }

  /** A fault body as the faultEnvelope switch writes it: the ApplicationFault itself, or wrapped. */
  private fault(status: number, detail: Record<string, unknown>, trackingId: string, headers: Record<string, string>): Reply {
    const body = this.switches.faultEnvelope === 'wrapped' ? { ApplicationFault: detail } : detail;
    return this.json(status, body, hostileHeader(trackingId), headers);
  }

  /** A JSON answer with the TrackingId header. */
  json(status: number, value: unknown, trackingId: string, headers: Record<string, string> = {}): Reply {
    let body = JSON.stringify(value);
    if (this.switches.idsAsNumbers) body = body.replace(this.markerPattern, '$1');
    return { status, headers: { 'content-type': 'application/json; charset=utf-8', TrackingId: trackingId, ...headers }, body };
  }

  /** HTTP 200 with `PartialErrors` after `value`'s fields; with any error the answer is an error answer (TrackingId header). */
  partial(value: Record<string, unknown>, errors: ReadonlyArray<unknown>, trackingId: string): Reply {
    return this.json(200, { ...value, PartialErrors: errors }, errors.length > 0 ? hostileHeader(trackingId) : trackingId);
  }

  /** A BatchError (reference §4) for PartialErrors; `Index` is zero-based into the request's array. */
  batchError(error: MsError, index: number): Record<string, unknown> {
    return {
      Code: this.code(error.code),
      Details: hostileText(null),
      ErrorCode: hostileText(error.errorCode),
      FieldPath: hostileText(null),
      ForwardCompatibilityMap: null,
      Index: index,
      Message: hostileText(error.message),
      Type: hostileText('BatchError'),
    };
  }

  /** `{"TrackingId","Type":"AdApiFaultDetail","Errors":[{Code,ErrorCode,Message,Detail}]}` — auth and throttling. */
  adApiFault(status: number, error: MsError, trackingId: string, headers: Record<string, string> = {}): Reply {
    return this.fault(
      status,
      {
        TrackingId: hostileText(trackingId),
        Type: hostileText('AdApiFaultDetail'),
        Errors: [{ Code: this.code(error.code), Detail: hostileText(null), ErrorCode: hostileText(error.errorCode), Message: hostileText(error.message) }],
      },
      trackingId,
      headers,
    );
  }

  /** `{"TrackingId","Type":"ApiFaultDetail","BatchErrors":[],"OperationErrors":[{Code,ErrorCode,Message,Details}]}`. */
  operationFault(status: number, error: MsError, trackingId: string, headers: Record<string, string> = {}): Reply {
    return this.fault(
      status,
      {
        TrackingId: hostileText(trackingId),
        Type: hostileText('ApiFaultDetail'),
        BatchErrors: [],
        OperationErrors: [{ Code: this.code(error.code), Details: hostileText(null), ErrorCode: hostileText(error.errorCode), Message: hostileText(error.message) }],
      },
      trackingId,
      headers,
    );
  }

  /**
   * Injected faults on the API: 429 carries the 117 body, 401 the 109 body, 403 a 106 fault, 500 an
   * InternalError fault; 502/503/504 come as an HTML gateway page (no JSON, no TrackingId in the body),
   * so clients must parse defensively.
   */
  readonly faults: FaultReplies = {
    faultReply: (status, retryAfterSeconds) => {
      const trackingId = randomUUID();
      const headers: Record<string, string> = retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) };
      if (status === 429) return this.adApiFault(429, MS_ERROR.callRateExceeded, trackingId, headers);
      if (status === 401) return this.adApiFault(401, MS_ERROR.tokenExpired, trackingId, headers);
      if (status === 403) return this.operationFault(403, MS_ERROR.userNotAuthorized, trackingId, headers);
      if (status === 502 || status === 503 || status === 504) {
        const page = `<html><head><title>${status} Service Unavailable</title></head><body><h1>${hostileText('Service Unavailable')}</h1></body></html>`;
        const reply = text(status, page, headers);
        return { ...reply, headers: { ...reply.headers, 'content-type': 'text/html; charset=utf-8', TrackingId: hostileHeader(trackingId) } };
      }
      if (status >= 500) return this.adApiFault(status, MS_ERROR.internal, trackingId, headers);
      return this.operationFault(status, MS_ERROR.internal, trackingId, headers);
    },
  };
}
