import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES } from '../catalog/index.js';
import { createIacScanner } from '../engine/scanner.js';
import { isUnknown } from '../model.js';
import { parseCloudFormation } from './cloudformation.js';

// Line numbers matter below: the `${Name}Db` fragment of the loop is on line 11.
const LOOP = `AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::LanguageExtensions
Parameters:
  Names:
    Type: CommaDelimitedList
    Default: "users,orders"
Resources:
  Fn::ForEach::Databases:
    - Name
    - !Ref Names
    - \${Name}Db:
        Type: AWS::RDS::DBInstance
        Properties:
          DBName: !Ref Name
          DBInstanceIdentifier: !Sub "db-\${Name}"
          StorageEncrypted: false
  Plain:
    Type: AWS::SQS::Queue
`;

describe('CloudFormation Fn::ForEach', () => {
  it('makes one resource per collection item, with ${Id} replaced in the key, Ref and Fn::Sub', () => {
    const { resources, errors } = parseCloudFormation('t.yaml', LOOP);
    expect(errors).toEqual([]);
    expect(resources.map((r) => r.name)).toEqual(['usersDb', 'ordersDb', 'Plain']);
    const users = resources[0];
    expect(users?.kind).toBe('AWS::RDS::DBInstance');
    expect(users?.attrs).toMatchObject({ DBName: 'users', DBInstanceIdentifier: 'db-users', StorageEncrypted: false });
  });

  it('places generated resources and their attributes at the loop body in the source', () => {
    const [users] = parseCloudFormation('t.yaml', LOOP).resources;
    expect(users?.span.line).toBe(11);
    expect(users?.pos.get('StorageEncrypted')?.line).toBe(16);
  });

  it('lets rules see generated resources, reported at the loop body', async () => {
    const scanner = await createIacScanner({ rules: BUILTIN_RULES });
    const { findings } = scanner.scan([{ path: 't.yaml', content: LOOP }]);
    const hits = findings.filter((f) => f.ruleId === 'cfn-rds-instance-storage-unencrypted');
    expect(hits.map((f) => f.resource).sort()).toEqual(['ordersDb', 'usersDb']);
    expect(hits.every((f) => f.line === 16)).toBe(true);
  });

  it('strips non-alphanumeric characters for &{Id} and expands nested loops, inner collections naming the outer item', () => {
    const tpl = `Transform: AWS::LanguageExtensions
Mappings:
  Ports:
    web: { List: ["80", "443"] }
    db: { List: ["5432"] }
Resources:
  Fn::ForEach::Tiers:
    - Tier
    - [web, db]
    - Fn::ForEach::Ports:
        - Port
        - !FindInMap [Ports, !Ref Tier, List]
        - \${Tier}Sg&{Port}:
            Type: AWS::EC2::SecurityGroupIngress
            Properties:
              FromPort: !Ref Port
              Description: !Sub "\${Tier} on \${Port}"
  Fn::ForEach::Emails:
    - Email
    - ["a.b@example.com"]
    - Sub&{Email}:
        Type: AWS::SNS::Subscription
        Properties:
          Endpoint: !Ref Email
`;
    const { resources, errors } = parseCloudFormation('t.yaml', tpl);
    expect(errors).toEqual([]);
    expect(resources.map((r) => r.name)).toEqual(['webSg80', 'webSg443', 'dbSg5432', 'Subabexamplecom']);
    expect(resources[1]?.attrs).toEqual({ FromPort: '443', Description: 'web on 443' });
    expect(resources[3]?.attrs.Endpoint).toBe('a.b@example.com');
    expect(resources[2]?.span.line).toBe(13);
  });

  it('reads the long JSON form', () => {
    const json = JSON.stringify({
      Transform: 'AWS::LanguageExtensions',
      Resources: { 'Fn::ForEach::Q': ['N', ['a', 'b'], { 'Queue${N}': { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::Sub': 'q-${N}' } } } }] },
    });
    const { resources } = parseCloudFormation('t.json', json);
    expect(resources.map((r) => [r.name, r.attrs.QueueName])).toEqual([
      ['Queuea', 'q-a'],
      ['Queueb', 'q-b'],
    ]);
  });

  it('checks the body once, identifier unknown, when the collection is not known before deployment', () => {
    const tpl = `Parameters:
  Names:
    Type: CommaDelimitedList
Resources:
  Fn::ForEach::Buckets:
    - Name
    - !Ref Names
    - \${Name}Bucket:
        Type: AWS::S3::Bucket
        Properties:
          BucketName: !Ref Name
`;
    const { resources, errors } = parseCloudFormation('t.yaml', tpl);
    expect(errors).toEqual([]);
    expect(resources).toHaveLength(1);
    expect(resources[0]?.kind).toBe('AWS::S3::Bucket');
    expect(isUnknown(resources[0]?.attrs.BucketName)).toBe(true);
  });

  it('reports a malformed loop as a parse error at its line and keeps the other resources', () => {
    const tpl = `Resources:
  Fn::ForEach::Broken:
    - Name
  Queue:
    Type: AWS::SQS::Queue
`;
    const { resources, errors } = parseCloudFormation('t.yaml', tpl);
    expect(resources.map((r) => r.name)).toEqual(['Queue']);
    expect(errors).toEqual([{ file: 't.yaml', line: 2, message: expect.stringContaining('Fn::ForEach::Broken') }]);
  });
});
