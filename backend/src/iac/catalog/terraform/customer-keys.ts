import { isKnown } from '../../engine/checks.js';
import type { CheckFn, Rule } from '../../engine/rule.js';
import { ENC, rulesFromRows, type Row } from './breadth.js';

/**
 * Data stores that AWS encrypts with an AWS managed key unless a customer managed key is named. A customer managed key
 * keeps revocation, rotation and the key policy (who may decrypt) in the account owner's hands.
 * One row each: [id, resource type, attribute naming the key, what is stored, pass body].
 */
type KeyRow = [string, string, string, string, string];

const AWS_MANAGED = /^alias\/aws\//;

/** Fires when the key attribute is absent or names an AWS managed alias (`alias/aws/…`). */
const customerKey = (path: string, what: string): CheckFn => (r) => {
  const v = r.get(path);
  if (v !== undefined && !isKnown(v)) return [];
  if (typeof v === 'string' && v !== '' && !AWS_MANAGED.test(v)) return [];
  return [{ path: v === undefined ? undefined : path, message: `${what} ${v === undefined ? 'names no customer managed key' : `uses the AWS managed key ${String(v)}`} (${path})` }];
};

const KEYS: KeyRow[] = [
  ['aws-kinesis-video-stream-no-cmk', 'aws_kinesis_video_stream', 'kms_key_id', 'the video stream', 'kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-fsx-ontap-no-cmk', 'aws_fsx_ontap_file_system', 'kms_key_id', 'the ONTAP file system', 'kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-fsx-windows-no-cmk', 'aws_fsx_windows_file_system', 'kms_key_id', 'the Windows file system', 'kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-fsx-lustre-no-cmk', 'aws_fsx_lustre_file_system', 'kms_key_id', 'the Lustre file system', 'kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-fsx-openzfs-no-cmk', 'aws_fsx_openzfs_file_system', 'kms_key_id', 'the OpenZFS file system', 'kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-imagebuilder-component-no-cmk', 'aws_imagebuilder_component', 'kms_key_id', 'the Image Builder component', 'kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-imagebuilder-distribution-no-cmk', 'aws_imagebuilder_distribution_configuration', 'distribution.ami_distribution_configuration.kms_key_id', 'the distributed AMI', 'distribution {\n    region = "eu-west-1"\n    ami_distribution_configuration {\n      kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"\n    }\n  }'],
  ['aws-imagebuilder-recipe-no-cmk', 'aws_imagebuilder_image_recipe', 'block_device_mapping.ebs.kms_key_id', 'the recipe EBS volume', 'block_device_mapping {\n    device_name = "/dev/xvdb"\n    ebs {\n      encrypted = true\n      kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"\n    }\n  }'],
  ['aws-s3-object-copy-no-cmk', 'aws_s3_object_copy', 'kms_key_id', 'the copied object', 'kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-s3-object-no-cmk', 'aws_s3_object', 'kms_key_id', 'the object', 'kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-docdb-no-cmk', 'aws_docdb_cluster', 'kms_key_id', 'the DocumentDB cluster', 'kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-ebs-snapshot-copy-no-cmk', 'aws_ebs_snapshot_copy', 'kms_key_id', 'the snapshot copy', 'kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-kinesis-stream-no-cmk', 'aws_kinesis_stream', 'kms_key_id', 'the Kinesis stream', 'encryption_type = "KMS"\n  kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-ebs-volume-no-cmk', 'aws_ebs_volume', 'kms_key_id', 'the EBS volume', 'encrypted = true\n  kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-elasticache-no-cmk', 'aws_elasticache_replication_group', 'kms_key_id', 'the replication group', 'at_rest_encryption_enabled = true\n  kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-memorydb-no-cmk', 'aws_memorydb_cluster', 'kms_key_arn', 'the MemoryDB cluster', 'kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-memorydb-snapshot-no-cmk', 'aws_memorydb_snapshot', 'kms_key_arn', 'the MemoryDB snapshot', 'kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-dms-instance-no-cmk', 'aws_dms_replication_instance', 'kms_key_arn', 'the replication instance storage', 'kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-dms-endpoint-no-cmk', 'aws_dms_endpoint', 'kms_key_arn', 'the DMS endpoint', 'kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-dms-s3-endpoint-no-cmk', 'aws_dms_s3_endpoint', 'kms_key_arn', 'the DMS S3 endpoint', 'kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-codepipeline-no-cmk', 'aws_codepipeline', 'artifact_store.encryption_key.id', 'the pipeline artifact store', 'artifact_store {\n    location = "b"\n    type = "S3"\n    encryption_key {\n      id = "arn:aws:kms:eu-west-1:123456789012:key/k"\n      type = "KMS"\n    }\n  }'],
  ['aws-codeartifact-domain-no-cmk', 'aws_codeartifact_domain', 'encryption_key', 'the CodeArtifact domain', 'encryption_key = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-ecs-exec-logs-no-cmk', 'aws_ecs_cluster', 'configuration.execute_command_configuration.kms_key_id', 'ECS Exec session data', 'configuration {\n    execute_command_configuration {\n      kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"\n      logging = "DEFAULT"\n    }\n  }'],
  ['aws-rds-backup-replication-no-cmk', 'aws_db_instance_automated_backups_replication', 'kms_key_id', 'the replicated backups', 'kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-es-no-cmk', 'aws_elasticsearch_domain', 'encrypt_at_rest.kms_key_id', 'the search domain', 'encrypt_at_rest {\n    enabled = true\n    kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"\n  }'],
  ['aws-kendra-index-no-cmk', 'aws_kendra_index', 'server_side_encryption_configuration.kms_key_id', 'the Kendra index', 'server_side_encryption_configuration {\n    kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"\n  }'],
  ['aws-appflow-flow-no-cmk', 'aws_appflow_flow', 'kms_arn', 'the AppFlow flow', 'kms_arn = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-appflow-connector-no-cmk', 'aws_appflow_connector_profile', 'kms_arn', 'the AppFlow connector profile', 'kms_arn = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-db-snapshot-copy-no-cmk', 'aws_db_snapshot_copy', 'kms_key_id', 'the DB snapshot copy', 'kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-comprehend-model-no-cmk', 'aws_comprehend_entity_recognizer', 'model_kms_key_id', 'the recognizer model', 'model_kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-comprehend-volume-no-cmk', 'aws_comprehend_entity_recognizer', 'volume_kms_key_id', 'the recognizer training volume', 'volume_kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-dynamodb-replica-no-cmk', 'aws_dynamodb_table_replica', 'kms_key_arn', 'the table replica', 'kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-redshift-snapshot-grant-no-cmk', 'aws_redshift_snapshot_copy_grant', 'kms_key_id', 'copied Redshift snapshots', 'kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-redshift-serverless-no-cmk', 'aws_redshiftserverless_namespace', 'kms_key_id', 'the Redshift Serverless namespace', 'kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-cloudtrail-data-store-no-cmk', 'aws_cloudtrail_event_data_store', 'kms_key_id', 'the event data store', 'kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-scheduler-schedule-no-cmk', 'aws_scheduler_schedule', 'kms_key_arn', 'the schedule', 'kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-rds-cluster-no-cmk', 'aws_rds_cluster', 'kms_key_id', 'the RDS cluster', 'storage_encrypted = true\n  kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-ami-copy-no-cmk', 'aws_ami_copy', 'kms_key_id', 'the AMI copy', 'encrypted = true\n  kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
  ['aws-sagemaker-domain-no-cmk', 'aws_sagemaker_domain', 'kms_key_id', 'the SageMaker domain storage', 'kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/k"'],
];

const title = (what: string) => {
  const noun = what.replace(/^the /, '');
  return `${noun.charAt(0).toUpperCase()}${noun.slice(1)} not encrypted with a customer managed key`;
};

const ROWS: Row[] = KEYS.map(([id, kind, path, what, pass]) => [
  id, [kind], undefined, title(what),
  customerKey(path, what), `Set ${path} to a customer managed KMS key.`, 'low', 'security', pass, 'tags = {\n    team = "a"\n  }', ENC,
]);

export const customerKeyRules: Rule[] = rulesFromRows(ROWS);
