/**
 * The schedule of the current execution: per step, the thread that moved, its thread-local node
 * before the step and its access index — the material of a schedule token. Truncated implicitly by
 * the machine's step count on restore.
 */
import { doubled } from "../stateTable.js";

export class ScheduleLog {
  private thread: Int32Array = new Int32Array(256);
  private node: Int32Array = new Int32Array(256);
  private access: Int32Array = new Int32Array(256);

  /** Records step s. */
  put(s: number, thread: number, node: number, accessIndex: number): void {
    if (s === this.thread.length) this.grow();
    this.thread[s] = thread;
    this.node[s] = node;
    this.access[s] = accessIndex;
  }

  threadAt(s: number): number {
    return this.thread[s] as number;
  }

  nodeAt(s: number): number {
    return this.node[s] as number;
  }

  accessAt(s: number): number {
    return this.access[s] as number;
  }

  private grow(): void {
    this.thread = doubled(this.thread);
    this.node = doubled(this.node);
    this.access = doubled(this.access);
  }
}
