/**
 * The Slack app (issue 4) as a platform of the service: `/slack/events` on the service's HTTP
 * server (or Socket Mode when SLACK_APP_TOKEN is set), and the Slack transport of the notification
 * pipeline (DMs and channel posts).
 */
import type { PlatformFactory } from '../platforms.js';
import { createSlackApp, eventsRoutes } from './app.js';
import { createSlackTransport } from './transport.js';

export const slackPlatform: PlatformFactory = async ({ config, chat, log }) => {
  if (!config.slack) {
    log.info(
      'Slack is not configured (set SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN): running without the Slack app',
    );
    return undefined;
  }
  const slack = createSlackApp(config.slack, chat, log);
  const receiver = slack.receiver;
  // Deliveries need only the Web API, not the app: they work (or retry) whatever connect() says.
  const transport = createSlackTransport({ botToken: config.slack.botToken, apiUrl: config.slack.apiUrl, chat, log });
  return {
    name: 'slack',
    label: 'Slack',
    routes: receiver ? (app) => eventsRoutes(app, { receiver, ready: () => slack.ready }) : undefined,
    transports: [transport],
    followers: [slack.services.prompts],
    // In HTTP mode the service's server carries Slack; only Socket Mode has a connection of its own.
    connect: async () => {
      await slack.connect();
      log.info(
        slack.mode === 'socket' ? 'Slack app ready (Socket Mode)' : 'Slack app ready (HTTP: POST /slack/events)',
      );
    },
    stop: async () => {
      if (slack.mode === 'socket' && slack.ready) await slack.app.stop();
    },
  };
};
