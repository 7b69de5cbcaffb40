/** The fixture plugin's `echo` tool (`test/fixtures/plugins/faults.ts`), as an `mcp_tools` entry of a test config. */
export const ECHO_TOOL = `  - name: echo
    description: Echo the arguments back
    input_schema: { type: object, properties: { text: { type: string } }, required: [text] }
    handler: faults.echo`;

/** The fixture plugin's `whoami` tool: the pid of the process that ran the call. */
export const WHOAMI_TOOL = `  - name: whoami
    description: The pid of the process that ran the call
    input_schema: { type: object }
    handler: faults.whoami`;

/** The fixture plugin's `mark_after` tool: says it started (`startedMarker`), waits `ms`, then says how it ended. */
export const MARK_AFTER_TOOL = `  - name: mark_after
    description: Says it started, then waits
    input_schema: { type: object, properties: { marker: { type: string }, ms: { type: integer } }, required: [marker, ms] }
    handler: faults.mark_after
    timeout_ms: 20000`;
