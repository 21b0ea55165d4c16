/**
 * Quality of experience: the metrics engagement events stand for, and
 * their CloudWatch EMF form.
 *
 * @module
 */
export { type QoeMetric, qoeMetrics, toEmf } from './metrics.js';
