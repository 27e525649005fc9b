/**
 * The CLI's commands, one module each; importing this module registers them all.
 */
import "./commands/check-history.js";
import "./commands/bench.js";
import "./commands/verify.js";
