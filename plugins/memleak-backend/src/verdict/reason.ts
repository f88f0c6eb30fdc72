import {
  formatDuration,
  formatFrame,
  formatRate,
  StackFrame,
} from '@internal/plugin-memleak-common';
import type { StackEvidence, StackView } from './stackViews';

/** `leak_memory_chunk ← leak_thread`: the allocating function and its caller. */
export function stackName(frames: StackFrame[], depth = 2): string {
  if (frames.length === 0) return 'an unknown stack';
  return frames
    .slice(0, depth)
    .map(f => formatFrame({ address: f.address, symbol: f.symbol }))
    .join(' ← ');
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function growthReason(
  bytesPerSec: number,
  frames: StackFrame[],
  forSec: number,
  freesInWindow: number,
): string {
  return `${formatRate(bytesPerSec)} from ${stackName(
    frames,
  )} for ${formatDuration(forSec)}; ${plural(freesInWindow, 'free')}`;
}

export function flatReason(
  what: string,
  bytesPerSec: number,
  spanSec: number,
): string {
  return `${what} flat (${formatRate(bytesPerSec)} over ${formatDuration(
    spanSec,
  )})`;
}

export function lostReason(lost: number, windowSec: number): string {
  return `${plural(lost, 'lost event')} in the last ${formatDuration(
    windowSec,
  )}: cannot call it`;
}

export function tooShortReason(haveSec: number, needSec: number): string {
  return `only ${formatDuration(haveSec)} of data; need ${formatDuration(
    needSec,
  )}`;
}

export function spreadGrowthReason(
  bytesPerSec: number,
  forSec: number,
): string {
  return `aged heap ${formatRate(bytesPerSec)} for ${formatDuration(
    forSec,
  )}, spread over stacks that each grow too little to call`;
}

/** What a view's flat reason calls its series. */
export function seriesName(view: StackView): string {
  return view === 'aged' ? 'aged bytes' : 'live bytes';
}

/** What the growth reason adds for the view that saw it. */
export function viewNote(e: StackEvidence, liveBlocks: number): string {
  if (e.view === 'in-place') {
    return `; ${plural(
      liveBlocks,
      'live block',
    )} growing in place (realloc moves ${liveBlocks === 1 ? 'it' : 'them'})`;
  }
  if (e.view === 'aged') {
    const late = e.lateFreeRatio * 100;
    return `, ${late.toFixed(late < 10 ? 1 : 0)} % of them late`;
  }
  return '';
}
