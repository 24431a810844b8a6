// promptfoo assertion types Assay knows and refuses, each with the reason and what to do instead: a file
// that uses one gets that reason as an error before any call, rather than "unknown type".

/** Refused type → why Assay cannot run it exactly as promptfoo does. */
export const REFUSED_ASSERTIONS: Readonly<Record<string, string>> = {
  'trace-span-count':
    "is not supported: it counts OpenTelemetry spans of the traced application, and Assay's history records one trace per model call, with no spans (use latency, cost or a javascript assertion over the call instead)",
  'trace-span-duration':
    "is not supported: it reads OpenTelemetry span durations of the traced application, and Assay's history has no spans (use the latency assertion for the model call's duration)",
  'trace-error-spans':
    "is not supported: it looks for error spans in the traced application's OpenTelemetry trace, and Assay's history has no spans (a failed call is already an error of the case)",
};
