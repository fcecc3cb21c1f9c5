import * as esbuild from "esbuild";
const r = await esbuild.build({ entryPoints: [process.argv[2]], bundle: true, write: false, platform: "browser", format: "esm", minify: true, conditions:["worker","browser"], metafile: true, logLevel: "silent" });
const out = Object.values(r.metafile.outputs)[0];
for (const [f, i] of Object.entries(out.inputs).sort((a,b)=>b[1].bytesInOutput-a[1].bytesInOutput)) console.log(String(i.bytesInOutput).padStart(6), f);
