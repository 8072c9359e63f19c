/**
 * The Slack app (issue 4). Until it is built, the service runs without Slack.
 */
import type { PlatformFactory } from '../platforms.js';

export const slackPlatform: PlatformFactory = async ({ config, log }) => {
  if (!config.slack) {
    log.info('Slack is not configured (set SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN): running without the Slack app');
    return undefined;
  }
  log.warn('Slack settings are present but the Slack app is not built yet');
  return undefined;
};
