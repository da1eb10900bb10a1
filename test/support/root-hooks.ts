import { closeTestDatabase } from "./database.js";

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await closeTestDatabase();
  },
};
