/**
 * A learning-rate (or momentum) schedule function: maps a 0-based update index to a value.
 * Any function of this shape works, e.g. the schedules of `@burnin/schedules` (which also
 * carry a `.spec`). It must be pure: the adapter may call it more than once for one step.
 */
export type ScheduleFn = (step: number) => number;

/**
 * @deprecated Renamed {@link ScheduleFn} (this name clashes with `@burnin/schedules`'
 * `Schedule`, which also requires a `.spec`). Same type.
 */
export type Schedule = ScheduleFn;
