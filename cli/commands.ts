/**
 * The CLI's commands, one module each; importing this module registers them all.
 */
import "./commands/verify.js";
import "./commands/replay.js";
import "./commands/mutants.js";
import "./commands/compare.js";
import "./commands/stress.js";
import "./commands/check-history.js";
import "./commands/bench.js";
import "../cfront/command.js";
