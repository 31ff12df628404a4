import OpenAI, { toFile } from 'openai';
import type { AudioFormat } from './audio-check.ts';

const MIME: Record<AudioFormat, string> = { wav: 'audio/wav', webm: 'audio/webm', ogg: 'audio/ogg' };

/** Transcription (/v1/audio/transcriptions) and speech (/v1/audio/speech) over an OpenAI-compatible API. */
export class SpeechClient {
  private readonly client: OpenAI;

  constructor(
    private readonly opts: {
      baseURL: string;
      apiKey?: string;
      transcribeModel: string;
      speechModel?: string;
      voice: string;
    },
  ) {
    this.client = new OpenAI({
      baseURL: opts.baseURL,
      apiKey: opts.apiKey ?? 'not-needed',
      timeout: 60_000,
      maxRetries: 1,
    });
  }

  get canSpeak(): boolean {
    return Boolean(this.opts.speechModel);
  }

  async transcribe(audio: Buffer, format: AudioFormat): Promise<string> {
    const file = await toFile(audio, `speech.${format}`, { type: MIME[format] });
    const res = await this.client.audio.transcriptions.create({ file, model: this.opts.transcribeModel });
    return res.text.trim();
  }

  async speak(text: string): Promise<{ contentType: string; base64: string }> {
    if (!this.opts.speechModel) throw new Error('no speech model configured');
    const res = await this.client.audio.speech.create({
      model: this.opts.speechModel,
      voice: this.opts.voice as 'alloy',
      input: text.slice(0, 4000),
      response_format: 'mp3',
    });
    const buf = Buffer.from(await res.arrayBuffer());
    return { contentType: res.headers.get('content-type') ?? 'audio/mpeg', base64: buf.toString('base64') };
  }
}
