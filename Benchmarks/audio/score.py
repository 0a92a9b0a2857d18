#!/usr/bin/env python3
"""Scores the network benchmark's played-out audio against the reference with PESQ (wide band,
ITU-T P.862.2) and STOI, both at 16 kHz. Usage: score.py DIR  (DIR holds reference.wav and one WAV
per scenario, written by `termcall-audio-bench network`)."""
import sys, pathlib
import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly
from pesq import pesq
from pystoi import stoi

def load16k(path):
    rate, x = wavfile.read(path)
    assert rate == 48000, f"{path}: {rate} Hz"
    return resample_poly(x.astype(np.float64) / 32768.0, 1, 3)

def align(ref, deg):
    """Removes the overall playout delay (cross-correlation peak) so STOI compares like with like;
    PESQ aligns on its own, per utterance."""
    n = 1 << int(np.ceil(np.log2(len(ref) + len(deg))))
    corr = np.fft.irfft(np.fft.rfft(deg, n) * np.conj(np.fft.rfft(ref, n)), n)
    lag = int(np.argmax(corr[: len(deg)]))
    out = deg[lag: lag + len(ref)]
    return np.pad(out, (0, len(ref) - len(out))), lag

directory = pathlib.Path(sys.argv[1])
ref = load16k(directory / "reference.wav")
print("| scenario | PESQ-WB (MOS-LQO) | STOI | playout delay ms (whole path, by cross-correlation) |")
print("|---|---|---|---|")
for wav in sorted(directory.glob("*.wav")):
    if wav.name == "reference.wav":
        continue
    deg, lag = align(ref, load16k(wav))
    print(f"| {wav.stem} | {pesq(16000, ref, deg, 'wb'):.2f} | {stoi(ref, deg, 16000):.3f} | {lag / 16:.0f} |")
