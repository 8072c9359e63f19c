/**
 * `/timeline?range=day|week&date=YYYY-MM-DD&tz=Zone`: every server's lanes for a signed-in
 * reader. A bad query is answered 400 with the field named.
 */
import type { FastifyInstance } from 'fastify';
import { fieldErrors } from '../app/commands.js';
import { messagePage } from './layout.js';
import { timelinePage } from './pages/timeline.js';
import { timelineQuerySchema, timelineRange, today } from './range.js';
import type { WebContext } from './routes.js';
import { sendPage } from './routes.js';

export function registerTimelineRoutes(app: FastifyInstance, context: WebContext): void {
  app.get<{ Querystring: Record<string, string> }>('/timeline', async (request, reply) => {
    const actor = request.webActor;
    if (!actor) return context.signInPage(request, reply);
    const query = timelineQuerySchema.safeParse(request.query ?? {});
    if (!query.success) {
      return sendPage(
        reply,
        400,
        messagePage(
          context.frame(request, reply),
          'That timeline cannot be shown',
          fieldErrors(query.error).map((error) =>
            error.field === 'body' ? error.message : `${error.field}: ${error.message}`,
          ),
        ),
      );
    }
    const zone = query.data.tz ?? (await context.zoneOf(actor));
    const date = query.data.date ?? today(zone, context.port.chat.clock());
    const timeline = await context.port.timeline(actor, timelineRange(query.data.range, date, zone));
    return sendPage(
      reply,
      200,
      timelinePage(context.frame(request, reply), {
        timeline,
        date,
        zone,
        zoneFromBrowser: query.data.tz !== undefined,
      }),
    );
  });
}
