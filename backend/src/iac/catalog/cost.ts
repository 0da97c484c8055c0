import type { Value } from '../model.js';
import { isKnown } from '../engine/checks.js';
import type { Rule } from '../engine/rule.js';
import { cf, cfnRes, k8, k8sDocs, tf, deployment, goodPod } from './dsl.js';
import { podSpecOf, sub } from './kubernetes/helpers.js';

/** Cost rules: settings that spend money without buying reliability, security or speed. */

const PREVIOUS_GEN = /^(t1|t2|m1|m2|m3|m4|c1|c3|c4|r3|r4|i2|d2|g2|p2|x1)\./;
const quantityGi = (v: Value | undefined): number | undefined => {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|K|M|G|T|P)?$/.exec(String(v).trim());
  if (!m) return undefined;
  const f: Record<string, number> = { Ki: 1 / 1048576, Mi: 1 / 1024, Gi: 1, Ti: 1024, Pi: 1048576, K: 1e3 / 1073741824, M: 1e6 / 1073741824, G: 1e9 / 1073741824, T: 1e12 / 1073741824, P: 1e15 / 1073741824 };
  return Number(m[1]) * (m[2] ? (f[m[2]] ?? 1) : 1 / 1073741824);
};
const cpuCores = (v: Value | undefined): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  return v.endsWith('m') ? Number(v.slice(0, -1)) / 1000 : Number(v);
};

export const costRules: Rule[] = [
  tf('aws-ebs-volume-gp2', {
    title: 'EBS volume uses gp2 instead of gp3', desc: 'gp3 costs about 20% less than gp2 per GB and gives a 3,000 IOPS baseline regardless of size.',
    sev: 'low', cat: 'cost', kinds: ['aws_ebs_volume'],
    check: (r) => (r.get('type') === 'gp2' ? [{ path: 'type', message: 'volume type is gp2', fix: { path: 'type', value: 'gp3' } }] : []),
    fix: 'Set type = "gp3".', refs: { docs: ['https://aws.amazon.com/ebs/pricing/'] },
    pass: ['resource "aws_ebs_volume" "v" {\n  availability_zone = "eu-west-1a"\n  type = "gp3"\n  encrypted = true\n}\n'],
    fail: ['resource "aws_ebs_volume" "v" {\n  availability_zone = "eu-west-1a"\n  type = "gp2"\n  encrypted = true\n}\n'],
  }),
  tf('aws-db-instance-gp2-storage', {
    title: 'RDS instance storage uses gp2 instead of gp3', desc: 'gp3 storage is cheaper per GB for RDS and decouples IOPS from size.',
    sev: 'low', cat: 'cost', kinds: ['aws_db_instance'],
    check: (r) => (r.get('storage_type') === 'gp2' ? [{ path: 'storage_type', message: 'storage_type is gp2', fix: { path: 'storage_type', value: 'gp3' } }] : []),
    fix: 'Set storage_type = "gp3".',
    pass: ['resource "aws_db_instance" "d" {\n  storage_type = "gp3"\n  storage_encrypted = true\n}\n'],
    fail: ['resource "aws_db_instance" "d" {\n  storage_type = "gp2"\n  storage_encrypted = true\n}\n'],
  }),
  tf('aws-instance-previous-generation', {
    title: 'EC2 instance uses a previous-generation type', desc: 'Previous-generation families cost more per unit of compute than their current equivalents.',
    sev: 'low', cat: 'cost', kinds: ['aws_instance', 'aws_launch_configuration', 'aws_launch_template'],
    check: (r) => {
      const t = r.get('instance_type');
      return typeof t === 'string' && PREVIOUS_GEN.test(t) ? [{ path: 'instance_type', message: `${t} is a previous-generation type` }] : [];
    },
    fix: 'Move to the current generation of the family (t3/t4g, m6i/m7g, c6i/c7g, r6i/r7g).',
    pass: ['resource "aws_instance" "i" {\n  instance_type = "t3.micro"\n}\n'],
    fail: ['resource "aws_instance" "i" {\n  instance_type = "m4.large"\n}\n'],
  }),
  tf('aws-s3-bucket-no-lifecycle', {
    title: 'S3 bucket without lifecycle rules', desc: 'Without lifecycle rules old objects and noncurrent versions are kept, and paid for, forever.',
    sev: 'info', cat: 'cost', kinds: ['aws_s3_bucket'],
    check: (r, ctx) => (r.has('lifecycle_rule') || ctx.referencing(r.res, 'aws_s3_bucket_lifecycle_configuration', 'bucket').length ? [] : [{ message: 'no lifecycle rules expire or transition objects' }]),
    fix: 'Add an aws_s3_bucket_lifecycle_configuration that expires noncurrent versions and transitions cold data.',
    pass: ['resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\nresource "aws_s3_bucket_lifecycle_configuration" "l" {\n  bucket = aws_s3_bucket.b.id\n  rule {\n    id = "expire"\n    status = "Enabled"\n  }\n}\n'],
    fail: ['resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'],
  }),
  cf('cfn-ebs-volume-gp2', {
    title: 'EBS volume uses gp2 instead of gp3', desc: 'gp3 costs about 20% less than gp2 per GB with a 3,000 IOPS baseline.',
    sev: 'low', cat: 'cost', kinds: ['AWS::EC2::Volume'],
    check: (r) => (r.get('VolumeType') === 'gp2' ? [{ path: 'VolumeType', message: 'VolumeType is gp2', fix: { path: 'VolumeType', value: 'gp3' } }] : []),
    fix: 'Set VolumeType: gp3.',
    pass: [cfnRes('AWS::EC2::Volume', { VolumeType: 'gp3', Encrypted: true })], fail: [cfnRes('AWS::EC2::Volume', { VolumeType: 'gp2', Encrypted: true })],
  }),
  cf('cfn-rds-instance-gp2-storage', {
    title: 'RDS instance storage uses gp2 instead of gp3', desc: 'gp3 storage is cheaper per GB for RDS and decouples IOPS from size.',
    sev: 'low', cat: 'cost', kinds: ['AWS::RDS::DBInstance'],
    check: (r) => (r.get('StorageType') === 'gp2' ? [{ path: 'StorageType', message: 'StorageType is gp2', fix: { path: 'StorageType', value: 'gp3' } }] : []),
    fix: 'Set StorageType: gp3.',
    pass: [cfnRes('AWS::RDS::DBInstance', { StorageType: 'gp3' })], fail: [cfnRes('AWS::RDS::DBInstance', { StorageType: 'gp2' })],
  }),
  cf('cfn-instance-previous-generation', {
    title: 'EC2 instance uses a previous-generation type', desc: 'Previous-generation families cost more per unit of compute than their current equivalents.',
    sev: 'low', cat: 'cost', kinds: ['AWS::EC2::Instance', 'AWS::AutoScaling::LaunchConfiguration'],
    check: (r) => {
      const t = r.get('InstanceType');
      return typeof t === 'string' && PREVIOUS_GEN.test(t) ? [{ path: 'InstanceType', message: `${t} is a previous-generation type` }] : [];
    },
    fix: 'Move to the current generation of the family.',
    pass: [cfnRes('AWS::EC2::Instance', { InstanceType: 't3.micro' })], fail: [cfnRes('AWS::EC2::Instance', { InstanceType: 't2.micro' })],
  }),
  k8('k8s-job-no-ttl-after-finished', {
    title: 'Job without ttlSecondsAfterFinished', desc: 'Finished Jobs and their pods stay in the cluster, holding quota and etcd space, until someone deletes them.',
    sev: 'low', cat: 'cost', kinds: ['Job'],
    check: (r) => (r.get('spec.ttlSecondsAfterFinished') === undefined ? [{ path: 'spec', message: 'finished Job is never cleaned up', fix: { path: 'spec.ttlSecondsAfterFinished', value: 86400 } }] : []),
    fix: 'Set spec.ttlSecondsAfterFinished (for example 86400).',
    pass: [k8sDocs({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'a' }, spec: { ttlSecondsAfterFinished: 3600, template: { spec: goodPod({ restartPolicy: 'Never' }) } } })],
    fail: [k8sDocs({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'a' }, spec: { template: { spec: goodPod({ restartPolicy: 'Never' }) } } })],
  }),
  k8('k8s-hpa-fixed-replicas', {
    title: 'HorizontalPodAutoscaler cannot scale', desc: 'minReplicas equal to maxReplicas pays for peak capacity all the time.',
    sev: 'low', cat: 'cost', kinds: ['HorizontalPodAutoscaler'],
    check: (r) => {
      const min = r.get('spec.minReplicas') ?? 1;
      const max = r.get('spec.maxReplicas');
      return isKnown(max) && isKnown(min) && Number(min) >= Number(max) ? [{ path: 'spec.maxReplicas', message: `minReplicas (${String(min)}) is not below maxReplicas (${String(max)})` }] : [];
    },
    fix: 'Lower minReplicas below maxReplicas so the autoscaler can scale in.',
    pass: [k8sDocs({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'a' }, spec: { minReplicas: 2, maxReplicas: 10, scaleTargetRef: { kind: 'Deployment', name: 'web' } } })],
    fail: [k8sDocs({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'a' }, spec: { minReplicas: 10, maxReplicas: 10, scaleTargetRef: { kind: 'Deployment', name: 'web' } } })],
  }),
  k8('k8s-container-oversized-requests', {
    title: 'Container requests more than 16 CPUs or 64 GiB', desc: 'Requests reserve capacity whether it is used or not; outsized requests strand whole nodes.',
    sev: 'info', cat: 'cost', kinds: ['*'],
    check: (r) => {
      const base = podSpecOf(r);
      if (!base) return [];
      return r.each(`${base}.containers`).filter((c) => {
        const cpu = cpuCores(sub(c.value, 'resources.requests.cpu'));
        const mem = quantityGi(sub(c.value, 'resources.requests.memory'));
        return (cpu !== undefined && cpu > 16) || (mem !== undefined && mem > 64);
      }).map((c) => ({ path: `${c.path}.resources.requests`, message: `container "${String(sub(c.value, 'name'))}" requests more than 16 CPUs or 64 GiB` }));
    },
    fix: 'Size requests from observed usage (e.g. the VPA recommender) and split oversized workloads.',
    pass: [deployment(goodPod())],
    fail: [deployment(goodPod({}, { resources: { requests: { cpu: '32', memory: '128Gi' }, limits: { cpu: '32', memory: '128Gi' } } }))],
  }),
  k8('k8s-pvc-oversized', {
    title: 'Volume claim requests more than 1 TiB', desc: 'Provisioned block storage is billed by size from the moment it is created.',
    sev: 'info', cat: 'cost', kinds: ['PersistentVolumeClaim', 'StatefulSet'],
    check: (r) => {
      const claims = r.kind === 'StatefulSet' ? r.each('spec.volumeClaimTemplates').map((x) => ({ v: sub(x.value, 'spec.resources.requests.storage'), path: `${x.path}.spec.resources.requests.storage` })) : [{ v: r.get('spec.resources.requests.storage'), path: 'spec.resources.requests.storage' }];
      return claims.filter((c) => (quantityGi(c.v) ?? 0) > 1024).map((c) => ({ path: c.path, message: `requests ${String(c.v)}` }));
    },
    fix: 'Request what the data needs now and grow the volume later (allowVolumeExpansion).',
    pass: [k8sDocs({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'p', namespace: 'a' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } } } })],
    fail: [k8sDocs({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'p', namespace: 'a' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Ti' } } } })],
  }),
];

