package org.reformer4j.core;

/** Reductions over the inner extent of a [outer, inner] view. MAX/MIN propagate NaN, as torch does. */
public enum ReduceOp {
    SUM, MEAN, MAX, MIN, /** population variance (divides by n) */ VAR, LOGSUMEXP, /** L2 norm */ NORM2, PROD
}
