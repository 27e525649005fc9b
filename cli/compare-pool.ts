import { Worker } from "node:worker_threads";
import { moduleBeside } from "../impl/stress/run.js";
import {
  assembleCompareData,
  compareTasks,
  describeAnswer,
  type BuildOptions,
  type CompareAnswer,
  type CompareBudgets,
  type CompareTask,
} from "../properties/scenarios/compare-data.js";

/**
 * The comparison's tasks decided on `jobs` worker threads, each taking the next task when it is
 * free, and assembled in task order: the same data as one thread computes (each task is
 * deterministic and independent), in about 1/jobs of the time on idle cores.
 */
export async function onWorkers(build: BuildOptions, budgets: CompareBudgets, jobs: number, progress: (what: string) => void): Promise<ReturnType<typeof assembleCompareData>> {
  const tasks = compareTasks(build.entries);
  const answers = await runTasksOnWorkers(tasks, budgets, jobs, (t, a) => progress(describeAnswer(t, a)));
  return assembleCompareData(build, budgets, answers);
}

/** `tasks` decided on `jobs` worker threads (each takes the next task when it is free); the answers in task order. */
export async function runTasksOnWorkers(tasks: readonly CompareTask[], budgets: CompareBudgets, jobs: number, onAnswer: (t: CompareTask, a: CompareAnswer) => void): Promise<CompareAnswer[]> {
  const answers: CompareAnswer[] = new Array(tasks.length);
  let next = 0;
  // Workers start compiled JS (Node 20 cannot start a .ts worker).
  const script = moduleBeside(import.meta.url, "./compare-worker");
  const lane = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(script, { workerData: { budgets } });
      const feed = (): void => {
        if (next >= tasks.length) {
          worker.postMessage(null);
          return;
        }
        const index = next++;
        worker.postMessage({ index, task: tasks[index] as CompareTask });
      };
      worker.on("message", (m: { index: number; answer?: CompareAnswer; error?: string }) => {
        if (m.error !== undefined) {
          void worker.terminate();
          reject(new Error(`compare: a worker failed on ${JSON.stringify(tasks[m.index])}: ${m.error}`));
          return;
        }
        answers[m.index] = m.answer as CompareAnswer;
        onAnswer(tasks[m.index] as CompareTask, m.answer as CompareAnswer);
        feed();
      });
      worker.on("error", reject);
      worker.on("exit", () => resolve());
      feed();
    });
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, lane));
  // (a loop, not .some(): .some skips the holes of a sparse array)
  for (let i = 0; i < tasks.length; i++) if (answers[i] === undefined) throw new Error("compare: a worker ended before answering every task");
  return answers;
}
