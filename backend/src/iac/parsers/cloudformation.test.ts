import { describe, expect, it } from 'vitest';
import { isUnknown } from '../model.js';
import { parseCloudFormation } from './cloudformation.js';

const TEMPLATE = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env:
    Type: String
    Default: dev
  Size:
    Type: Number
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
Resources:
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      StorageEncrypted: !If [IsProd, true, false]
      PubliclyAccessible: !If [NotProd, false, true]
      AllocatedStorage: !Ref Size
      DBName: !Sub "app-\${Env}"
      KmsKeyId: !GetAtt Key.Arn
      Tags:
        - Key: name
          Value: !Join ["-", [app, !Ref Env]]
        - !Ref AWS::NoValue
`;

describe('CloudFormation parser', () => {
  it('resolves short-form intrinsics, parameter defaults and conditions', () => {
    const { resources, errors } = parseCloudFormation('t.yaml', TEMPLATE);
    expect(errors).toEqual([]);
    const db = resources[0];
    expect(db?.kind).toBe('AWS::RDS::DBInstance');
    expect(db?.attrs.StorageEncrypted).toBe(false);
    expect(db?.attrs.PubliclyAccessible).toBe(false);
    expect(db?.attrs.DBName).toBe('app-dev');
    expect(db?.attrs.Tags).toEqual([{ Key: 'name', Value: 'app-dev' }]);
    expect(isUnknown(db?.attrs.AllocatedStorage)).toBe(true);
    expect(isUnknown(db?.attrs.KmsKeyId)).toBe(true);
    expect(db?.pos.get('StorageEncrypted')?.line).toBe(15);
    expect(db?.span.line).toBe(12);
  });

  it('reads the long JSON form the same way', () => {
    const json = JSON.stringify(
      {
        Parameters: { Env: { Type: 'String', Default: 'prod' } },
        Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] } },
        Resources: { Db: { Type: 'AWS::RDS::DBInstance', Properties: { StorageEncrypted: { 'Fn::If': ['IsProd', true, false] } } } },
      },
      null,
      2,
    );
    const { resources } = parseCloudFormation('t.json', json);
    expect(resources[0]?.attrs.StorageEncrypted).toBe(true);
  });

  it('leaves a condition on a parameter without default unknown', () => {
    const { resources } = parseCloudFormation(
      't.yaml',
      'Parameters:\n  Env:\n    Type: String\nConditions:\n  P: !Equals [!Ref Env, prod]\nResources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      AccessControl: !If [P, Private, PublicRead]\n',
    );
    expect(isUnknown(resources[0]?.attrs.AccessControl)).toBe(true);
  });

  it('reports a template that is not valid YAML', () => {
    const { errors } = parseCloudFormation('t.yaml', 'Resources:\n  B:\n    Type: [unclosed\n');
    expect(errors).toHaveLength(1);
  });

  it('reports Properties that are not a map instead of checking the resource as if it had none', () => {
    // Checkov's runner fixture invalid_properties.yaml.
    const { resources, errors } = parseCloudFormation('t.yaml', "Resources:\n  InvalidProperties:\n    Type: 'AWS::Serverless::Function'\n    Properties: 'NotObject'\n  Queue:\n    Type: AWS::SQS::Queue\n");
    expect(resources.map((r) => r.name)).toEqual(['Queue']);
    expect(errors).toEqual([{ file: 't.yaml', line: 2, message: 'Resource InvalidProperties: Properties must be a map' }]);
  });

  it('applies SAM Globals to serverless resources: maps merge, lists add up, the resource wins', () => {
    // Shaped like Checkov's graph_builder/resources/sam fixture.
    const tpl = `Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Tracing: Active
    Runtime: python3.13
    Environment:
      Variables:
        STAGE: Production
        TABLE_NAME: global-table
    VpcConfig:
      SecurityGroupIds: [sg-123]
Resources:
  Function1:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Environment:
        Variables:
          TABLE_NAME: resource-table
      VpcConfig:
        SecurityGroupIds: [sg-first]
  Function2:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
  Queue:
    Type: AWS::SQS::Queue
`;
    const [f1, f2, queue] = parseCloudFormation('t.yaml', tpl).resources;
    expect(f1?.attrs).toMatchObject({ Tracing: 'Active', Runtime: 'python3.12', Environment: { Variables: { STAGE: 'Production', TABLE_NAME: 'resource-table' } }, VpcConfig: { SecurityGroupIds: ['sg-123', 'sg-first'] } });
    expect(f2?.attrs).toMatchObject({ Handler: 'app.handler', Tracing: 'Active', Environment: { Variables: { STAGE: 'Production' } } });
    expect(queue?.attrs).toEqual({});
  });

  it('reports a logical id declared twice instead of checking whichever definition YAML kept', () => {
    // Checkov's AuroraEncryption-UNKNOWN.yaml fixture.
    const tpl = "Resources:\n  Aurora0:\n    Type: 'AWS::RDS::DBCluster'\n    Properties:\n      SnapshotIdentifier: s\n  Aurora0:\n    Type: 'AWS::RDS::DBCluster'\n    Properties:\n      SourceDBClusterIdentifier: c\n  Queue:\n    Type: AWS::SQS::Queue\n";
    const { resources, errors } = parseCloudFormation('t.yaml', tpl);
    expect(resources.map((r) => r.name)).toEqual(['Queue']);
    expect(errors).toEqual([{ file: 't.yaml', line: 6, message: 'Duplicate resource "Aurora0": already declared at line 2; CloudFormation rejects the template' }]);
  });
});
