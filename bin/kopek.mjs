#!/usr/bin/env node
// The `kopek` command. Runs the TypeScript sources through tsx, so there is no build step
// to forget and `npx kopek` always runs what is checked out.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
