/**
 * A learning-rate (or momentum) schedule: maps a 0-based update index to a value. Any
 * function of this shape works, e.g. the schedules of `@burnin/schedules` (which may also
 * carry a `.spec`). It must be pure: the adapter may call it more than once for one step.
 */
export type Schedule = (step: number) => number;
