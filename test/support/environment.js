/**
 * Jest's node environment, less one timer Agenda leaks. Agenda 6.2.6 arms, for every job it runs,
 * a timer of max(processEvery, lockLifetime) / 2 (five minutes with the default lock lifetime) to
 * check that the job is still alive (JobProcessor's checkIfJobIsStillAlive), and neither clears it
 * when the job ends nor when Agenda stops: it then wakes up only to return. In a Jest worker those
 * timers kept the process alive after its last test file, so Jest killed it and reported "A worker
 * process has failed to exit gracefully", the same words a leak of our own would get. So this one
 * timer is unref'd, in the worker's own realm (where Agenda's code runs), as it is created: it
 * still fires in a process that lives on, it no longer keeps one alive. Every other timer, socket
 * and child process still does, and still gets a test file reported. Remove when Agenda clears it
 * (it did for its near-future job timers, agenda/agenda#1791).
 */
import { createHook } from 'node:async_hooks';
import { TestEnvironment } from 'jest-environment-node';

// One hook per worker process (this module is loaded once per worker), never per test file.
createHook({
  init(_id, type, _trigger, resource) {
    if (type !== 'Timeout') return;
    // The frames between here and Agenda's function: async_hooks' and the timer's own, then
    // Agenda's delay() and the Promise it makes.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 16;
    const stack = new Error().stack ?? '';
    Error.stackTraceLimit = limit;
    if (stack.includes('checkIfJobIsStillAlive')) resource.unref();
  },
}).enable();

export default TestEnvironment;
