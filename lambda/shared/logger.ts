// The one structured logger of a handler (Powertools): JSON lines with ids, never a token or code.
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'listbackup-integrations',
});
