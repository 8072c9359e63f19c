/**
 * Who is acting, from a Discord interaction. In a guild the member's permissions say whether
 * they are an admin (Manage Server or Administrator). In a DM there is no member — Discord sends
 * `user` only — and no guild: the guild comes from the button the user clicked, and a DM never
 * makes anyone an admin. The use cases then decide (mayActOn) whether this actor may act.
 */
import type { Interaction } from 'discord.js';
import { PermissionFlagsBits } from 'discord.js';
import type { Actor } from '../domain/reservation.js';
import { stripBidiControls } from '../domain/text.js';

export function actorOf(interaction: Interaction, guildIdFromButton?: string): Actor | undefined {
  const user = interaction.user;
  const name = displayName(interaction);
  if (interaction.inGuild()) {
    // Permissions as the interaction carries them (roles and channel overwrites applied).
    const permissions = interaction.memberPermissions;
    const isAdmin = permissions
      ? permissions.any([PermissionFlagsBits.ManageGuild, PermissionFlagsBits.Administrator])
      : false;
    return { platform: 'discord', tenantId: interaction.guildId, userId: user.id, name, isAdmin };
  }
  if (!guildIdFromButton) return undefined;
  return { platform: 'discord', tenantId: guildIdFromButton, userId: user.id, name, isAdmin: false };
}

function displayName(interaction: Interaction): string {
  const member = interaction.member;
  const nick = member && 'nick' in member && typeof member.nick === 'string' ? member.nick : undefined;
  // Typed by its owner: its bidi controls would reverse our words around it (src/domain/text.ts).
  return stripBidiControls(nick ?? interaction.user.globalName ?? interaction.user.username);
}
