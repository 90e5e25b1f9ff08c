/** The one normalization every email goes through before it is stored or looked up. */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFKC').toLowerCase();
}
