#!/usr/bin/env node
/**
 * `audience-export-sandbox`: run the sandbox as its own process (demo, manual testing).
 * Prints the URL and the fixture credentials — fake, public values that only work here.
 */
import { parseArgs } from 'node:util';
import { CRITEO_SANDBOX, MICROSOFT_ADS_SANDBOX, SANDBOX_DEMOS, type SandboxDemo, startSandbox, type SandboxOptions } from './index';
import { CRITEO_EMPTY_STATISTICS, CRITEO_MATCH_RATE_SCALES, CRITEO_NULL_SEARCH_ENTRIES, MS_FAULT_ENVELOPES } from './options';

const HELP = `Usage: audience-export-sandbox [options]

Local simulator of the Snapchat Marketing API (Customer Lists) and its OAuth endpoints.
Criteo: Marketing Solutions audience segments and OAuth. Fake credentials: client id ${CRITEO_SANDBOX.clientId},
secret ${CRITEO_SANDBOX.clientSecret}, refresh token ${CRITEO_SANDBOX.refreshToken}, advertiser ${CRITEO_SANDBOX.advertiserId}, API version ${CRITEO_SANDBOX.apiVersion}.
Microsoft Advertising: Campaign Management v13 REST (Customer Match lists) and Microsoft identity OAuth. Fake credentials:
client id ${MICROSOFT_ADS_SANDBOX.clientId}, secret ${MICROSOFT_ADS_SANDBOX.clientSecret}, refresh token ${MICROSOFT_ADS_SANDBOX.refreshToken},
developer token ${MICROSOFT_ADS_SANDBOX.developerToken}, customer id ${MICROSOFT_ADS_SANDBOX.customerId}, account id ${MICROSOFT_ADS_SANDBOX.accountId}, tenant ${MICROSOFT_ADS_SANDBOX.tenant}.

Options:
  --port <n>               port to listen on (default 8787; 0 = any free port)
  --host <host>            interface to bind (default 127.0.0.1)
  --latency <ms>           added latency on every API call (default 0)
  --no-rate-limit          do not enforce the platform rate limits
  --token-ttl <s>          access-token lifetime in seconds (default per platform: Snapchat 1800, Criteo 900, Microsoft 3600)
  --rotate-refresh-tokens  each refresh returns a new refresh token and invalidates the old one
  --retry-after            send Retry-After on 429 answers
  --status-case <case>     upper (default) or lower request_status words
  --hostile                hostile mode: every error answer echoes the request's secrets and carries HTML
  --hostile-names          audience names in listings and creations come back as HTML

Answer shapes where the sources differ (defaults: the official definitions):
  --snapchat-me-envelope           GET /v1/me adds the old request_status/request_id envelope
                                   (default: the documented {"me":{…}} only)
  --microsoft-ads-sizes-as-numbers SearchSize/AudienceNetworkSize as JSON numbers (default: strings)
  --microsoft-ads-fault-envelope <bare|wrapped>
                                   faults as the bare ApplicationFault (default) or wrapped in
                                   {"ApplicationFault": …} (the PHP migration guide's sample)
  --criteo-match-rate <fraction|percent>
                                   statistics' matchRate as 0-1 (default) or 0-100
  --criteo-null-search-entry <off|id|attributes|name>
                                   searches include one entry with that field null (default off)
  --criteo-empty-statistics <zeros|data-null|attributes-null>
                                   statistics of an empty contact list (default zeros)

  --quiet                  no request log
  --help                   show this help
`;

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '8787' },
        host: { type: 'string', default: '127.0.0.1' },
        latency: { type: 'string', default: '0' },
        'no-rate-limit': { type: 'boolean', default: false },
        'token-ttl': { type: 'string' },
        'rotate-refresh-tokens': { type: 'boolean', default: false },
        'retry-after': { type: 'boolean', default: false },
        'status-case': { type: 'string', default: 'upper' },
        hostile: { type: 'boolean', default: false },
        'hostile-names': { type: 'boolean', default: false },
        'snapchat-me-envelope': { type: 'boolean', default: false },
        'microsoft-ads-sizes-as-numbers': { type: 'boolean', default: false },
        'microsoft-ads-fault-envelope': { type: 'string', default: 'bare' },
        'criteo-match-rate': { type: 'string', default: 'fraction' },
        'criteo-null-search-entry': { type: 'string', default: 'off' },
        'criteo-empty-statistics': { type: 'string', default: 'zeros' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const statusCase = values['status-case'];
  if (statusCase !== 'upper' && statusCase !== 'lower') fail('--status-case must be upper or lower');
  const options: SandboxOptions = {
    port: integer('--port', values.port),
    host: values.host,
    latencyMs: integer('--latency', values.latency),
    rateLimit: !values['no-rate-limit'],
    tokenTtlSeconds: values['token-ttl'] === undefined ? undefined : integer('--token-ttl', values['token-ttl']),
    rotateRefreshTokens: values['rotate-refresh-tokens'],
    retryAfterOn429: values['retry-after'],
    statusCase,
    hostile: values.hostile,
    hostileNames: values['hostile-names'],
    snapchatMeEnvelope: values['snapchat-me-envelope'],
    microsoftAdsSizesAsNumbers: values['microsoft-ads-sizes-as-numbers'],
    microsoftAdsFaultEnvelope: choice('--microsoft-ads-fault-envelope', values['microsoft-ads-fault-envelope'], MS_FAULT_ENVELOPES),
    criteoMatchRate: choice('--criteo-match-rate', values['criteo-match-rate'], CRITEO_MATCH_RATE_SCALES),
    criteoNullSearchEntry: choice('--criteo-null-search-entry', values['criteo-null-search-entry'], CRITEO_NULL_SEARCH_ENTRIES),
    criteoEmptyStatistics: choice('--criteo-empty-statistics', values['criteo-empty-statistics'], CRITEO_EMPTY_STATISTICS),
    log: values.quiet ? undefined : (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
  };

  /** A platform's fake settings, as a connection and an export node take them: `clientId  sandbox-snap-client`. */
  const demoLines = (demo: SandboxDemo, url: string): string[] => [
    `${demo.platform} (fake credentials, sandbox only):`,
    ...Object.entries({ ...demo.connection(url), ...demo.credentials, ...demo.exporter }).map(([name, value]) => `  ${name.padEnd(18)} ${String(value)}`),
    '',
  ];

  startSandbox(options).then(
    (sandbox) => {
      process.stdout.write(
        [
          `Audience export sandbox listening on ${sandbox.url}`,
          '',
          ...SANDBOX_DEMOS.flatMap((demo) => demoLines(demo, sandbox.url)),
          `Control: ${sandbox.url}/_sandbox/health, /_sandbox/faults, /_sandbox/hostile, /_sandbox/snapchat/segments, /_sandbox/snapchat/switches, /_sandbox/criteo/segments, /_sandbox/criteo/settings, /_sandbox/microsoft-ads/audiences, /_sandbox/microsoft-ads/switches, POST /_sandbox/reset`,
          '',
          ...hostileLines(sandbox.getHostile()),
          ...shapeLines(options),
        ].join('\n'),
      );
      const stop = (): void => {
        sandbox.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err: unknown) => fail(err instanceof Error ? err.message : String(err)),
  );
}

/** Which answer shapes differ from the official defaults, so a demo knows what it is talking to. */
function shapeLines(options: SandboxOptions): string[] {
  const changed = [
    options.snapchatMeEnvelope ? 'Snapchat /v1/me with request_status' : undefined,
    options.microsoftAdsSizesAsNumbers ? 'Microsoft sizes as numbers' : undefined,
    options.microsoftAdsFaultEnvelope === 'wrapped' ? 'Microsoft faults wrapped in ApplicationFault' : undefined,
    options.criteoMatchRate === 'percent' ? 'Criteo matchRate 0-100' : undefined,
    options.criteoNullSearchEntry && options.criteoNullSearchEntry !== 'off' ? `Criteo search entry with null ${options.criteoNullSearchEntry}` : undefined,
    options.criteoEmptyStatistics && options.criteoEmptyStatistics !== 'zeros' ? `Criteo empty statistics ${options.criteoEmptyStatistics}` : undefined,
  ].filter((line): line is string => line !== undefined);
  return changed.length > 0 ? [`ANSWER SHAPES: ${changed.join('; ')} (see /_sandbox/<platform>/switches or /settings)`, ''] : [];
}

function hostileLines(hostile: { on: boolean; names: boolean }): string[] {
  const lines: string[] = [];
  if (hostile.on) lines.push('HOSTILE MODE: error answers echo request secrets and HTML (POST /_sandbox/hostile {"on":false} to stop)', '');
  if (hostile.names) lines.push('HOSTILE NAMES: audience names come back as HTML', '');
  return lines;
}

function choice<T extends string>(flag: string, value: string, allowed: ReadonlyArray<T>): T {
  if (!(allowed as ReadonlyArray<string>).includes(value)) fail(`${flag} must be one of ${allowed.join(', ')}`);
  return value as T;
}

function integer(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) fail(`${flag} must be a non-negative integer`);
  return Number(value);
}

function fail(message: string): never {
  process.stderr.write(`audience-export-sandbox: ${message}\n\n${HELP}`);
  process.exit(2);
}

main();
