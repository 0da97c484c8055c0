import { describe, expect, it } from 'vitest';
import { createIacScanner } from '../../engine/scanner.js';
import { BUILTIN_RULES } from '../index.js';

// A heredoc policy that interpolates another resource's ARN keeps its known JSON structure.
const heredoc = (statement: string) => `resource "aws_sqs_queue" "q" {
  name = "q"
}
resource "aws_sqs_queue_policy" "p" {
  queue_url = aws_sqs_queue.q.id
  policy = <<POLICY
{
  "Version": "2012-10-17",
  "Statement": [${statement}]
}
POLICY
}
`;

describe('policies with interpolated ARNs', () => {
  it('are read through the unknown parts (a Resource of ${aws_sqs_queue.q.arn})', async () => {
    const scanner = await createIacScanner({ rules: BUILTIN_RULES });
    const rules = (src: string) => new Set(scanner.scan([{ path: 'main.tf', content: src }]).findings.map((f) => f.ruleId));
    const open = rules(heredoc('{ "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "${aws_sqs_queue.q.arn}" }'));
    expect(open.has('aws-sqs-policy-all-actions')).toBe(true);
    expect(open.has('aws-sqs-queue-policy-public')).toBe(true);
    const scoped = rules(heredoc('{ "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::123456789012:root" }, "Action": "sqs:SendMessage", "Resource": "${aws_sqs_queue.q.arn}" }'));
    expect(scoped.has('aws-sqs-policy-all-actions')).toBe(false);
    expect(scoped.has('aws-sqs-queue-policy-public')).toBe(false);
  });
});
