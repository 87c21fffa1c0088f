import type { Member } from '../../../src/contract/index.js';

/** "IG @marie · TikTok @marie.d" */
export function handles(m: Pick<Member, 'instagram' | 'tiktok' | 'youtube'>): string {
  return [m.instagram && `IG @${m.instagram}`, m.tiktok && `TikTok @${m.tiktok}`, m.youtube && `YouTube ${m.youtube}`]
    .filter(Boolean)
    .join(' · ');
}
