// The API's input patterns, in a module that imports nothing, so the web console checks a form
// field with the very pattern the API will check it with.

/** `arn:aws:rds:<region>:<account>:db:<identifier>` (also aws-cn, aws-us-gov). */
export const RDS_INSTANCE_ARN = /^arn:aws(?:-cn|-us-gov)?:rds:[a-z0-9-]+:\d{12}:db:[A-Za-z][A-Za-z0-9-]{0,62}$/;

/** An IPv4 CIDR with every octet in range, e.g. 10.10.10.10/32. */
export const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;
export const IPV4_CIDR_MESSAGE = 'must be an IPv4 CIDR such as 10.10.10.10/32';

/** `connection_prefix_name`: the start of every resource role's name. */
export const CONNECTION_PREFIX = /^[A-Za-z0-9_-]{1,60}$/;
export const CONNECTION_PREFIX_MESSAGE = 'must be 1 to 60 letters, digits, _ or -';

/** A host name or an IP address (IPv6 with or without brackets). */
export const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$|^\[?[0-9a-fA-F:]+\]?$/;
export const HOST_MESSAGE = 'must be a host name or an IP address';

/** The name of a database given directly: its jobs' `db_arn` is `target:<name>`. */
export const TARGET_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
export const TARGET_NAME_MESSAGE = 'must be 1 to 100 letters, digits, _, . or -';

/** A Vault `secret_id`: connection references split on ":", so it holds none. */
export const VAULT_SECRET_ID = /^[^:\s]+$/;

/** A Secrets Manager name prefix. */
export const SECRET_NAME_PREFIX = /^[A-Za-z0-9/_+=.@-]{1,256}$/;
export const SECRET_NAME_PREFIX_MESSAGE = 'must be 1 to 256 of letters, digits and /_+=.@-';

/** The prefix a discovered database gets unless it is tagged with one: `<instance>-<account>`, cut to 60. */
export function defaultConnectionPrefix(instanceName: string, accountId: string): string {
  return `${instanceName}-${accountId}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 60);
}
