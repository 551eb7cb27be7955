// The AWS account the operator's credentials are for (STS GetCallerIdentity), shared by deploy and the credentials tool.
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';

/** The caller's 12-digit account id; the client is destroyed afterwards. */
export async function stsCallerAccount(client: STSClient): Promise<string> {
  try {
    const { Account } = await client.send(new GetCallerIdentityCommand({}));
    if (!Account) throw new Error('STS named no account');
    return Account;
  } finally {
    client.destroy();
  }
}
