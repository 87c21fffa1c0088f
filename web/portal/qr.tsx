// A QR code of a tracking link, drawn in the browser (the qrcode package renders to a canvas and gives a PNG data
// URL), so creators can put it on a story, a flyer or a video without another tool. The same PNG is downloadable.
import QRCode from 'qrcode';
import { useEffect, useState } from 'react';

export function QrCode({ text, fileName }: { text: string; fileName: string }) {
  const [png, setPng] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    // 512 px with a quiet zone: sharp when printed, and still scannable after an app recompresses it.
    QRCode.toDataURL(text, { width: 512, margin: 2, errorCorrectionLevel: 'M' }).then(
      (url) => live && setPng(url),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [text]);
  if (failed) return null;
  if (!png)
    return (
      <div className="qr" aria-busy="true">
        <div style={{ width: 112, height: 112 }} />
      </div>
    );
  return (
    <div className="qr">
      <img src={png} alt={`QR code for ${text}`} width={112} height={112} />
      <a href={png} download={`${fileName}.png`}>
        Download QR (PNG)
      </a>
    </div>
  );
}
