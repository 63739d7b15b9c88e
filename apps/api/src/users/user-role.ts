/**
 * owner / member act inside their own tenant; platform-admin operates the whole service.
 * Stored as the Postgres enum `user_role`.
 */
export const USER_ROLES = ['owner', 'member', 'platform-admin'] as const;

export type UserRole = (typeof USER_ROLES)[number];
