// Where vault-exec stands towards its controlling terminal, from /proc/self/stat (Linux), and whether
// it is the foreground job there: that decides what a Ctrl-Z must do.
import { readFileSync } from 'node:fs';

export interface TerminalPosition {
  processGroup: number;
  /** The controlling terminal's device number; 0 when there is none (a container without -t). */
  terminal: number;
  /** The terminal's foreground process group; -1 or 0 when there is none. */
  foregroundGroup: number;
}

export function readTerminalPosition(): TerminalPosition | undefined {
  let fields: string[];
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
  // After the command name: state ppid pgrp session tty_nr tpgid.
  const [processGroup, terminal, foregroundGroup] = [fields[2], fields[4], fields[5]].map(Number);
  return { processGroup: processGroup!, terminal: terminal!, foregroundGroup: foregroundGroup! };
}

/**
 * Whether vault-exec (and so the child, which shares its group) is the foreground job of a terminal,
 * even with stdin redirected: then a Ctrl-Z reached both, and the shell waits for the whole job to
 * stop. Forwarding it alone would leave vault-exec running and the shell waiting with no prompt.
 */
export function inTerminalForeground(position = readTerminalPosition()): boolean {
  return (
    position !== undefined &&
    position.terminal !== 0 &&
    position.foregroundGroup > 0 &&
    position.foregroundGroup === position.processGroup
  );
}
