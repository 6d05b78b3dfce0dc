// US states and territories by name and postal code, so "Texas", "texas" and "TX" are one place.
const STATES: Record<string, string> = {
  AL: 'Alabama', AK: 'Alaska', AZ: 'Arizona', AR: 'Arkansas', CA: 'California', CO: 'Colorado',
  CT: 'Connecticut', DE: 'Delaware', DC: 'District of Columbia', FL: 'Florida', GA: 'Georgia',
  HI: 'Hawaii', ID: 'Idaho', IL: 'Illinois', IN: 'Indiana', IA: 'Iowa', KS: 'Kansas',
  KY: 'Kentucky', LA: 'Louisiana', ME: 'Maine', MD: 'Maryland', MA: 'Massachusetts',
  MI: 'Michigan', MN: 'Minnesota', MS: 'Mississippi', MO: 'Missouri', MT: 'Montana',
  NE: 'Nebraska', NV: 'Nevada', NH: 'New Hampshire', NJ: 'New Jersey', NM: 'New Mexico',
  NY: 'New York', NC: 'North Carolina', ND: 'North Dakota', OH: 'Ohio', OK: 'Oklahoma',
  OR: 'Oregon', PA: 'Pennsylvania', RI: 'Rhode Island', SC: 'South Carolina', SD: 'South Dakota',
  TN: 'Tennessee', TX: 'Texas', UT: 'Utah', VT: 'Vermont', VA: 'Virginia', WA: 'Washington',
  WV: 'West Virginia', WI: 'Wisconsin', WY: 'Wyoming', PR: 'Puerto Rico', GU: 'Guam',
  VI: 'U.S. Virgin Islands',
};

const BY_NAME = new Map(Object.values(STATES).map((n) => [n.toLowerCase(), n]));

export const US_STATE_NAMES: readonly string[] = Object.values(STATES);

/** Canonical name and kind of a place as an editor wrote it. */
export function normalizePlace(input: string): { name: string; kind: 'state' | 'country' } {
  const t = input.trim().replace(/\s+/g, ' ');
  const code = t.toUpperCase();
  if (/^[A-Z]{2}$/.test(code) && STATES[code]) return { name: STATES[code], kind: 'state' };
  const named = BY_NAME.get(t.toLowerCase());
  if (named) return { name: named, kind: 'state' };
  return { name: t, kind: 'country' };
}
