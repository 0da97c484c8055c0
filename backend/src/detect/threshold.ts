/**
 * The one alarm threshold on `aegis_anomaly_score` (a probability in [0,1]): the detection service opens an
 * anomaly at it, and the provisioned Grafana rule (`provisioning/alerting/aegis.yaml`) alerts at the same
 * number (a test reads the file and checks). A healthy series rarely exceeds 0.5; a clear fault reaches it.
 */
export const ANOMALY_ALARM_THRESHOLD = 0.9;
