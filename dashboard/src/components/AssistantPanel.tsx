import type { AssistantQueryResponse, AssistantVoiceResponse } from '@sentinel/common/api/assistant';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api } from '../api/client.ts';
import { Link } from '../app/router.tsx';
import { alertPath } from '../lib/routes.ts';
import { ChatIcon, MicIcon } from './Icons.tsx';

type Message = {
  who: 'user' | 'assistant';
  text: string;
  citations?: AssistantQueryResponse['citations'];
  error?: boolean;
};

/** Is the assistant reachable through the gateway? (its /healthz, proxied under /api/v1/assistant/) */
async function assistantAvailable(): Promise<boolean> {
  try {
    await api.get('/assistant/healthz');
    return true;
  } catch {
    return false;
  }
}

/** Chat + push-to-talk with the assistant; not rendered at all until the assistant API answers. */
export function AssistantPanel() {
  const [available, setAvailable] = useState(false);
  const [open, setOpen] = useState(false);
  const [messages, setMessages] = useState<Message[]>([]);
  const [question, setQuestion] = useState('');
  const [busy, setBusy] = useState(false);
  const [recording, setRecording] = useState(false);
  const recorder = useRef<MediaRecorder | null>(null);
  const chunks = useRef<Blob[]>([]);
  useEffect(() => {
    let alive = true;
    const check = () => void assistantAvailable().then((ok) => alive && setAvailable(ok));
    check();
    const t = setInterval(check, 60_000);
    return () => {
      alive = false;
      clearInterval(t);
    };
  }, []);
  if (!available) return null;

  const ask = async (e: FormEvent) => {
    e.preventDefault();
    const q = question.trim();
    if (!q) return;
    setQuestion('');
    setMessages((m) => [...m, { who: 'user', text: q }]);
    setBusy(true);
    try {
      const r = await api.post<AssistantQueryResponse>('/assistant/query', { question: q });
      setMessages((m) => [...m, { who: 'assistant', text: r.answer, citations: r.citations }]);
    } catch (err) {
      setMessages((m) => [...m, { who: 'assistant', text: (err as Error).message, error: true }]);
    } finally {
      setBusy(false);
    }
  };

  const startTalk = async () => {
    if (recording || busy) return;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const type =
        ['audio/webm;codecs=opus', 'audio/webm', 'audio/ogg'].find((t) => MediaRecorder.isTypeSupported(t)) ??
        '';
      const rec = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
      chunks.current = [];
      rec.ondataavailable = (ev) => ev.data.size && chunks.current.push(ev.data);
      rec.onstop = async () => {
        for (const track of stream.getTracks()) track.stop();
        const blob = new Blob(chunks.current, { type: rec.mimeType.split(';')[0] || 'audio/webm' });
        setBusy(true);
        try {
          const r = await api.upload<AssistantVoiceResponse>('/assistant/voice?speak=true', blob, blob.type);
          setMessages((m) => [
            ...m,
            { who: 'user', text: `(voice) ${r.transcript}` },
            { who: 'assistant', text: r.answer, citations: r.citations },
          ]);
          if (r.speech)
            void new Audio(`data:${r.speech.contentType};base64,${r.speech.base64}`)
              .play()
              .catch(() => undefined);
        } catch (err) {
          setMessages((m) => [...m, { who: 'assistant', text: (err as Error).message, error: true }]);
        } finally {
          setBusy(false);
        }
      };
      rec.start();
      recorder.current = rec;
      setRecording(true);
    } catch (err) {
      setMessages((m) => [
        ...m,
        { who: 'assistant', text: `Microphone unavailable: ${(err as Error).message}`, error: true },
      ]);
    }
  };
  const stopTalk = () => {
    recorder.current?.stop();
    recorder.current = null;
    setRecording(false);
  };

  return (
    <div className={`assistant ${open ? 'open' : ''}`} data-testid="assistant">
      {!open && (
        <button
          type="button"
          className="assistant-fab"
          onClick={() => setOpen(true)}
          aria-label="Ask the assistant"
        >
          <ChatIcon />
        </button>
      )}
      {open && (
        <div className="assistant-panel card" role="dialog" aria-label="Assistant">
          <div className="toolbar">
            <h2>Assistant</h2>
            <button type="button" className="icon-btn" onClick={() => setOpen(false)} aria-label="Close">
              ×
            </button>
          </div>
          <ol className="chat">
            {messages.length === 0 && (
              <li className="muted">
                Ask about what the cameras saw, e.g. "when did a car last enter the driveway?"
              </li>
            )}
            {messages.map((m, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: append-only
              <li key={i} className={`msg ${m.who} ${m.error ? 'error' : ''}`}>
                <p>{m.text}</p>
                {m.citations && m.citations.length > 0 && (
                  <ul className="citations">
                    {m.citations.map((c) => (
                      <li key={`${c.type}:${c.id}`}>
                        {c.type === 'alert' ? (
                          <Link to={alertPath(c.id)}>
                            {c.cameraId} · {new Date(c.time).toLocaleString()}
                          </Link>
                        ) : (
                          <span>
                            {c.type} · {c.cameraId} · {new Date(c.time).toLocaleString()}
                          </span>
                        )}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
            {busy && <li className="muted">…</li>}
          </ol>
          <form onSubmit={ask} className="chat-input">
            <input
              value={question}
              onChange={(e) => setQuestion(e.target.value)}
              placeholder="Ask…"
              aria-label="Question"
            />
            <button type="submit" className="btn primary" disabled={busy}>
              Ask
            </button>
            <button
              type="button"
              className={`btn ${recording ? 'recording' : ''}`}
              onPointerDown={() => void startTalk()}
              onPointerUp={stopTalk}
              onPointerLeave={() => recording && stopTalk()}
              aria-label="Hold to talk"
              title="Hold to talk"
            >
              <MicIcon />
            </button>
          </form>
        </div>
      )}
    </div>
  );
}
