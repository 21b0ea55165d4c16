/**
 * Quality of experience: the metrics engagement events stand for, and
 * their CloudWatch EMF form.
 *
 * @module
 */
export {
  QOE_DIMENSION_SETS,
  QOE_METRICS,
  QOE_NAMESPACE,
  QOE_SERVICE,
  type QoeMetric,
  qoeMetrics,
  toEmf,
} from './metrics.js';
