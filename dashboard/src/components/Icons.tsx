/** Inline SVG icons (no icon font: emoji glyphs are missing on many Linux systems). */
const base = {
  width: 20,
  height: 20,
  viewBox: '0 0 24 24',
  fill: 'none',
  stroke: 'currentColor',
  strokeWidth: 2,
} as const;

export const ChatIcon = () => (
  <svg {...base} aria-hidden>
    <path d="M4 5h16v11H9l-5 4z" strokeLinejoin="round" />
  </svg>
);

export const MicIcon = () => (
  <svg {...base} aria-hidden>
    <rect x="9" y="3" width="6" height="11" rx="3" />
    <path d="M5 11a7 7 0 0 0 14 0M12 18v3" strokeLinecap="round" />
  </svg>
);

export const CameraIcon = () => (
  <svg {...base} width={14} height={14} aria-hidden>
    <path d="M4 7h3l2-2h6l2 2h3v12H4z" strokeLinejoin="round" />
    <circle cx="12" cy="13" r="3.5" />
  </svg>
);
