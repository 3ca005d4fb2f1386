package org.reformer4j.core;

/** Result of max/min along a dim, sort and topk: the values and their int64 indices along that dim. */
public record ValuesIndices(Tensor values, Tensor indices) {}
