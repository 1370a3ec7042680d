/** The number of unresolved help requests next to "Help" in the navigation. */
export function HelpNavBadge() {
  return null;
}
