package org.backsplit.backend;

/**
 * One SGD update: g = grad + weightDecay*p; buf = first ? g : momentum*buf + g; p -= lr * (nesterov ? g + momentum*buf
 * : buf).
 */
public record SgdStep(double lr, double momentum, double weightDecay, boolean nesterov, boolean first) {}
