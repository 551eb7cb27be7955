// The preflight's view of the stack name (aws-sdk-client-mock: moto cannot put a stack into ROLLBACK_COMPLETE):
// a rolled-back first create, a stack still in progress, and a deployed stack of ours with its resources.
import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { loadSettings } from '../../lib/config';
import type { PreflightClients } from '../../scripts/preflight/aws';
import { stackState } from '../../scripts/preflight/checks/account';

const cfn = mockClient(CloudFormationClient);
const ctx = () => ({
  settings: loadSettings('dev'),
  stages: {},
  clients: { cfn: new CloudFormationClient({}) } as unknown as PreflightClients,
  stackName: 'listbackup-integrations-dev',
});
const ours = 'ListBackup integrations: OAuth connections (dev)';

beforeEach(() => cfn.reset());

it('tells how to clean up a ROLLBACK_COMPLETE stack before the next try', async () => {
  cfn.on(DescribeStacksCommand).resolves({
    Stacks: [
      { StackName: 'x', StackStatus: 'ROLLBACK_COMPLETE', Description: ours, CreationTime: new Date() },
    ],
  });
  const state = await stackState(ctx());
  expect(state.stack).toBeUndefined();
  expect(state.findings).toEqual([
    expect.objectContaining({
      check: 'stack.rollback',
      status: 'fail',
      message: expect.stringMatching(/is ROLLBACK_COMPLETE: its first create failed and rolled back/),
      fix: expect.stringMatching(
        /^delete it \(aws cloudformation delete-stack --region us-west-2 --stack-name listbackup-integrations-dev; it retains nothing\)/,
      ),
    }),
  ]);
});

it('asks to wait while the stack is in progress', async () => {
  cfn.on(DescribeStacksCommand).resolves({
    Stacks: [
      { StackName: 'x', StackStatus: 'UPDATE_IN_PROGRESS', Description: ours, CreationTime: new Date() },
    ],
  });
  expect((await stackState(ctx())).findings).toEqual([
    expect.objectContaining({
      check: 'stack.busy',
      fix: 'wait until it settles, then run the preflight again',
    }),
  ]);
});

it('reads a deployed stack of ours with every page of its resources', async () => {
  cfn.on(DescribeStacksCommand).resolves({
    Stacks: [{ StackName: 'x', StackStatus: 'UPDATE_COMPLETE', Description: ours, CreationTime: new Date() }],
  });
  cfn
    .on(ListStackResourcesCommand, { NextToken: undefined })
    .resolves({
      StackResourceSummaries: [
        {
          LogicalResourceId: 'A',
          PhysicalResourceId: 'a',
          ResourceType: 'AWS::ApiGatewayV2::Route',
          ResourceStatus: 'CREATE_COMPLETE',
          LastUpdatedTimestamp: new Date(),
        },
      ],
      NextToken: 'p2',
    })
    .on(ListStackResourcesCommand, { NextToken: 'p2' })
    .resolves({
      StackResourceSummaries: [
        {
          LogicalResourceId: 'B',
          PhysicalResourceId: 'b',
          ResourceType: 'AWS::Events::Rule',
          ResourceStatus: 'CREATE_COMPLETE',
          LastUpdatedTimestamp: new Date(),
        },
      ],
    });
  const state = await stackState(ctx());
  expect(state.phase).toBe('deployed');
  expect(state.stack?.resources).toEqual([
    { logicalId: 'A', physicalId: 'a', type: 'AWS::ApiGatewayV2::Route' },
    { logicalId: 'B', physicalId: 'b', type: 'AWS::Events::Rule' },
  ]);
});
