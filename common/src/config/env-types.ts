import { z } from 'zod';

/** Reusable env-var parsers with precise messages. */
export const port = (def: number) =>
  z.coerce
    .number({ message: 'must be a TCP port number' })
    .int('must be an integer port')
    .min(1, 'must be between 1 and 65535')
    .max(65535, 'must be between 1 and 65535')
    .default(def);

export const positiveInt = (def: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int('must be an integer')
    .positive('must be > 0')
    .default(def);

export const nonNegativeInt = (def: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int('must be an integer')
    .min(0, 'must be >= 0')
    .default(def);

export const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const urlWithScheme = (schemes: string[], def?: string) => {
  const s = z.string().refine(
    (v) => {
      try {
        return schemes.includes(new URL(v).protocol.replace(':', ''));
      } catch {
        return false;
      }
    },
    { message: `must be a URL with scheme ${schemes.join(' or ')}` },
  );
  return def === undefined ? s : s.default(def);
};

export const optionalString = () =>
  z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v));
