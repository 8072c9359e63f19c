// The watch page: keeps the state current without a reload (polling the small state endpoint),
// counts down to the start, and plays the stream — mpegts.js for HTTP-FLV (embedded server),
// hls.js for HLS (nginx-rtmp) — starting by itself when the stream goes live and reconnecting
// when the publisher drops and comes back. Sound, volume and full screen are buttons a keyboard
// and a screen reader can use.
(() => {
  const POLL_MS = 2000;
  const RETRY_MS = 1500;
  // Live video that stops moving this long is reconnected: a publisher that dropped leaves the
  // player waiting on an open connection that brings nothing more.
  const STALL_MS = 5000;
  // nginx-rtmp writes a stream's first playlist only once it has cut the first fragment (its
  // hls_fragment, at the publisher's next key frame), seconds after the publish made the stream
  // live and the page started its player: until then the playlist is a 404. hls.js gives up on a
  // 4xx at once, which put "Reconnecting…" in front of everyone who arrived at the start; instead
  // the player asks again every PLAYLIST_RETRY_MS for up to PLAYLIST_WAIT_MS, still "Connecting…".
  const PLAYLIST_RETRY_MS = 500;
  const PLAYLIST_WAIT_MS = 15000;

  document.addEventListener('DOMContentLoaded', () => {
    const configElement = document.getElementById('watch-config');
    if (!configElement) return;
    const config = JSON.parse(configElement.textContent);
    const video = document.getElementById('video');
    const overlay = document.querySelector('[data-overlay]');
    const badge = document.querySelector('[data-state]');
    const detail = document.querySelector('[data-state-detail]');
    const countdown = document.querySelector('[data-countdown]');
    const viewers = document.querySelector('[data-viewers]');
    const muteButton = document.querySelector('[data-mute]');
    const volume = document.querySelector('[data-volume]');
    const fullscreenButton = document.querySelector('[data-fullscreen]');
    const watchArea = document.querySelector('[data-watch]');
    const calendar = document.querySelector('[data-calendar]');
    let state = config.state;
    let player;
    let retryTimer;
    // hls.js is waiting for the first playlist: not a stall (it gives up by itself, see above).
    let awaitingPlaylist = false;
    // For the tests and the benchmark: what the page is doing, read from outside.
    const status = { state: state.state, attempts: 0, firstFrameAt: undefined };
    window.slotcastWatch = status;

    function showOverlay(text) {
      if (text) {
        overlay.textContent = text;
        overlay.hidden = false;
      } else {
        overlay.hidden = true;
      }
    }

    function stopPlayer() {
      clearTimeout(retryTimer);
      awaitingPlaylist = false;
      if (!player) return;
      try {
        player.destroy();
      } catch {
        // Destroying a player that failed half-way must not stop the page.
      }
      player = undefined;
    }

    function retrySoon() {
      stopPlayer();
      clearTimeout(retryTimer);
      if (state.playing) {
        showOverlay('Reconnecting…');
        retryTimer = setTimeout(startPlayer, RETRY_MS);
      }
    }

    function play() {
      video.play().catch(() => {
        // Autoplay with sound was refused: play muted, and say how to turn the sound on.
        video.muted = true;
        updateMute();
        video.play().catch(() => undefined);
      });
    }

    function startPlayer() {
      if (player || !config.media || !state.playing) return;
      status.attempts += 1;
      showOverlay('Connecting…');
      if (config.media.type === 'flv' && window.mpegts?.isSupported()) {
        const flv = window.mpegts.createPlayer(
          { type: 'flv', isLive: true, url: config.media.url },
          { enableWorker: false, lazyLoad: false, liveBufferLatencyChasing: true, autoCleanupSourceBuffer: true },
        );
        flv.on(window.mpegts.Events.ERROR, retrySoon);
        flv.on(window.mpegts.Events.LOADING_COMPLETE, retrySoon);
        flv.attachMediaElement(video);
        flv.load();
        player = flv;
        play();
      } else if (config.media.type === 'hls' && window.Hls?.isSupported()) {
        const hls = new window.Hls({
          liveSyncDurationCount: 3,
          manifestLoadPolicy: {
            default: {
              // hls.js's defaults, but for errorRetry.
              maxTimeToFirstByteMs: Number.POSITIVE_INFINITY,
              maxLoadTimeMs: 20000,
              timeoutRetry: { maxNumRetry: 2, retryDelayMs: 0, maxRetryDelayMs: 0 },
              // Other errors: two more tries; a 404 (the playlist is not written yet): up to PLAYLIST_WAIT_MS.
              errorRetry: {
                maxNumRetry: 2,
                retryDelayMs: PLAYLIST_RETRY_MS,
                maxRetryDelayMs: PLAYLIST_RETRY_MS,
                backoff: 'linear',
                shouldRetry: (_config, retryCount, _isTimeout, response, retry) =>
                  retry || (response?.code === 404 && retryCount < PLAYLIST_WAIT_MS / PLAYLIST_RETRY_MS),
              },
            },
          },
        });
        hls.on(window.Hls.Events.MANIFEST_LOADED, () => {
          awaitingPlaylist = false;
        });
        hls.on(window.Hls.Events.ERROR, (_event, data) => {
          if (data.fatal) retrySoon();
        });
        awaitingPlaylist = true;
        hls.loadSource(config.media.url);
        hls.attachMedia(video);
        player = hls;
        play();
      } else if (config.media.type === 'hls' && video.canPlayType('application/vnd.apple.mpegurl')) {
        video.src = config.media.url;
        player = { destroy: () => video.removeAttribute('src') };
        play();
      } else {
        showOverlay('This browser cannot play the stream. Try a recent Chrome, Firefox, Edge or Safari.');
      }
    }

    video.addEventListener('playing', () => {
      showOverlay(undefined);
    });
    // When the first frame was shown, in ms since the page began loading (bench:web reads it).
    const firstFrame = (now) => {
      if (status.firstFrameAt === undefined) status.firstFrameAt = now;
    };
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(firstFrame);
    else video.addEventListener('playing', () => firstFrame(performance.now()), { once: true });
    video.addEventListener('waiting', () => {
      if (state.playing) showOverlay('Buffering…');
    });
    // A resize or a short stall fires "waiting" without a later "playing": moving time clears it.
    video.addEventListener('timeupdate', () => {
      if (!video.paused && !overlay.hidden && state.playing) showOverlay(undefined);
    });

    function updateMute() {
      muteButton.setAttribute('aria-pressed', String(video.muted));
      muteButton.textContent = video.muted ? 'Sound off — turn on' : 'Sound on — turn off';
    }
    muteButton.addEventListener('click', () => {
      video.muted = !video.muted;
      if (!video.muted && Number(volume.value) === 0) volume.value = '0.5';
      video.volume = Number(volume.value);
      updateMute();
    });
    volume.addEventListener('input', () => {
      video.volume = Number(volume.value);
      video.muted = video.volume === 0;
      updateMute();
    });
    fullscreenButton.addEventListener('click', () => {
      const box = document.querySelector('[data-player]');
      if (document.fullscreenElement) document.exitFullscreen();
      else if (box.requestFullscreen) box.requestFullscreen();
      else if (video.webkitEnterFullscreen) video.webkitEnterFullscreen();
    });
    updateMute();

    function tick() {
      if (!countdown) return;
      const waiting = ['scheduled', 'moved', 'starting_soon'].includes(state.state);
      const left = new Date(state.startsAt).getTime() - Date.now();
      countdown.hidden = !waiting || left <= 0;
      if (countdown.hidden) return;
      const minutes = Math.floor(left / 60000);
      const days = Math.floor(minutes / 1440);
      const hours = Math.floor((minutes % 1440) / 60);
      const parts = [];
      if (days > 0) parts.push(`${days} d`);
      if (days > 0 || hours > 0) parts.push(`${hours} h`);
      parts.push(`${minutes % 60} min`);
      if (days === 0 && hours === 0) parts.push(`${Math.floor((left % 60000) / 1000)} s`);
      countdown.textContent = `Starts in ${parts.join(' ')}`;
    }

    // The state's sentence: text as text, each moment a <time> written as every other on the page.
    function renderDetail(words) {
      detail.replaceChildren(
        ...words.map((word) => {
          if (typeof word === 'string') return document.createTextNode(word);
          const time = document.createElement('time');
          time.setAttribute('datetime', word.at);
          time.dataset.local = 'datetime';
          return time;
        }),
      );
    }

    const OVER = ['ended', 'cancelled', 'lapsed'];

    // Everything the page shows of the state comes from here, at load and at every poll: an end
    // moved later while live (extended) shows at the next poll, in the sentence and the facts.
    function apply(next) {
      const changed = next.state !== state.state || JSON.stringify(next.detail) !== JSON.stringify(state.detail);
      state = next;
      status.state = next.state;
      if (changed) {
        badge.textContent = next.label;
        badge.dataset.state = next.state;
        badge.className = `badge state-${next.state}`;
        renderDetail(next.detail);
        document.title = document.title.replace(/ — [^—·]+ ·/, ` — ${next.label} ·`);
      }
      for (const [selector, value] of [
        ['[data-starts] time', next.startsAt],
        ['[data-ends] time', next.endsAt],
      ]) {
        const element = document.querySelector(selector);
        if (element && element.getAttribute('datetime') !== value) element.setAttribute('datetime', value);
      }
      window.slotcastTime?.rewrite();
      if (countdown) countdown.dataset.countdown = next.startsAt;
      viewers.textContent = next.viewers === 1 ? '1 watching' : `${next.viewers} watching`;
      // A stream that is over has nothing to play and nothing to put in a calendar.
      const over = OVER.includes(next.state);
      watchArea.hidden = over;
      calendar.hidden = over;
      if (next.playing) startPlayer();
      else {
        stopPlayer();
        showOverlay(over ? undefined : 'The player starts by itself when the stream goes live.');
      }
      tick();
    }

    async function poll() {
      try {
        const response = await fetch(config.stateUrl, { cache: 'no-store', credentials: 'same-origin' });
        if (response.ok) apply(await response.json());
      } catch {
        // A network hiccup: the next poll tries again.
      }
      setTimeout(poll, POLL_MS);
    }

    let lastTime = -1;
    let lastMovedAt = Date.now();
    function watchdog() {
      if (!player || !state.playing || awaitingPlaylist) {
        lastMovedAt = Date.now();
        return;
      }
      if (video.currentTime !== lastTime) {
        lastTime = video.currentTime;
        lastMovedAt = Date.now();
      } else if (Date.now() - lastMovedAt > STALL_MS) {
        lastMovedAt = Date.now();
        retrySoon();
      }
    }

    apply(state);
    setInterval(tick, 1000);
    setInterval(watchdog, 1000);
    setTimeout(poll, POLL_MS);
  });
})();
